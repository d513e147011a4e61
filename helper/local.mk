# The autoexp CLI (and, later, the job-side helper daemon).

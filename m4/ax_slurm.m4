# AX_SLURM: --with-slurm[=PREFIX] and --with-slurm-plugindir=DIR.
# Slurm installs no pkg-config file, so the SPANK header is looked for under
# PREFIX/include (or the default include path). Defines SLURM_CPPFLAGS, the
# automake conditional HAVE_SLURM and substitutes slurmplugindir.
AC_DEFUN([AX_SLURM], [
	AC_ARG_WITH([slurm],
		[AS_HELP_STRING([--with-slurm@<:@=PREFIX@:>@],
			[build the SPANK plugin against Slurm installed in PREFIX (default: check the system include path); --without-slurm builds only the library and tools])],
		[], [with_slurm=check])
	AC_ARG_WITH([slurm-plugindir],
		[AS_HELP_STRING([--with-slurm-plugindir=DIR],
			[install the SPANK plugin in DIR (default: LIBDIR/slurm)])],
		[slurmplugindir="$withval"], [slurmplugindir='${libdir}/slurm'])
	AC_SUBST([slurmplugindir])
	SLURM_CPPFLAGS=
	with_slurm_result=no
	AS_IF([test "x$with_slurm" != xno], [
		AS_IF([test "x$with_slurm" != xyes && test "x$with_slurm" != xcheck],
			[SLURM_CPPFLAGS="-I$with_slurm/include"])
		ax_slurm_save_CPPFLAGS="$CPPFLAGS"
		CPPFLAGS="$CPPFLAGS $SLURM_CPPFLAGS"
		AC_CHECK_HEADERS([slurm/spank.h], [with_slurm_result=yes], [], [[#include <stdint.h>]])
		CPPFLAGS="$ax_slurm_save_CPPFLAGS"
		AS_IF([test "x$with_slurm_result" != xyes],
			[AC_MSG_ERROR([slurm/spank.h not found. On Debian: apt-get install libslurm-dev; or pass --with-slurm=PREFIX, or --without-slurm to build without the SPANK plugin])])
	])
	AC_SUBST([SLURM_CPPFLAGS])
	AM_CONDITIONAL([HAVE_SLURM], [test "x$with_slurm_result" = xyes])
])

/* mg_lazy.h -- the ytkernel executable loads libcurl and cairo on first use.
 *
 * Most cells (SQL, %print, %set ...) need neither library; loading them and
 * their dependencies at start-up cost ~6 ms of every kernel start (dynamic
 * relocation of ~35 more shared objects).  mg_lazy.c defines each libcurl
 * and cairo function the program calls as a stub that dlopen()s the library
 * the first time one of its functions is called (thread-safe, once) and
 * then calls through a saved pointer.  It is linked into the executable
 * only (not into the unit tests, which link the libraries directly), with
 * --as-needed so the libraries are not loaded at start.
 *
 * A function of these libraries used somewhere new must get its stub in
 * mg_lazy.c, or the library is linked (and loaded at start) again:
 * tests/py/test_lazy_libs.py checks that a started kernel has mapped
 * neither library.  A library that cannot be loaded when first needed is a
 * broken installation: one stderr line, then abort().
 *
 * Ownership: the libraries stay loaded until exit.
 */
#ifndef MG_LAZY_H
#define MG_LAZY_H

/* No functions of its own: the stubs have the libraries' names. */

#endif /* MG_LAZY_H */

/* mg_lazy.c -- libcurl and cairo are loaded on first use.  See mg_lazy.h.
 *
 * Every libcurl and cairo function the executable calls is defined here
 * with the library's own prototype (the compiler checks each against
 * curl.h and cairo.h).  The first call of a library's function dlopen()s
 * it (once, whatever the thread) and looks the function up; later calls go
 * straight through the saved pointer.  The executable is linked with
 * --as-needed, so it no longer lists libcurl and cairo (and their ~35
 * dependencies: TLS, HTTP/2, LDAP, Kerberos, SSH, fontconfig, freetype,
 * X11 ...) as needed: start-up maps and relocates ~25 objects, not ~60.
 */
#define CURL_DISABLE_TYPECHECK /* curl_easy_setopt is a function here */
#include "mg_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <cairo.h>
#include <curl/curl.h>

#ifndef YTK_CURL_SONAME
#define YTK_CURL_SONAME "libcurl.so.4"
#endif
#ifndef YTK_CAIRO_SONAME
#define YTK_CAIRO_SONAME "libcairo.so.2"
#endif

struct lazy_lib {
    const char *soname;
    pthread_once_t once;
    void *handle;
};

static struct lazy_lib curl_lib = {YTK_CURL_SONAME, PTHREAD_ONCE_INIT, NULL};
static struct lazy_lib cairo_lib = {YTK_CAIRO_SONAME, PTHREAD_ONCE_INIT, NULL};

/* RTLD_GLOBAL: cairo's dependencies stay reachable by name (ch_png looks
 * up fontconfig's FcFini at exit). */
static void open_lib(struct lazy_lib *l)
{
    l->handle = dlopen(l->soname, RTLD_NOW | RTLD_GLOBAL);
    if (!l->handle) {
        /* An installation error the kernel cannot work around (before,
         * the kernel did not start at all without the library). */
        fprintf(stderr, "ytkernel: cannot load %s: %s\n", l->soname, dlerror());
        abort();
    }
}

static void open_curl(void)
{
    open_lib(&curl_lib);
}

static void open_cairo(void)
{
    open_lib(&cairo_lib);
}

/* The address of name in the library, loading it on first use. */
static void *lazy_sym(struct lazy_lib *l, void (*open_once)(void),
                      const char *name)
{
    void *p;

    pthread_once(&l->once, open_once);
    p = dlsym(l->handle, name);
    if (!p) {
        fprintf(stderr, "ytkernel: %s has no %s: %s\n", l->soname, name,
                dlerror());
        abort();
    }
    return p;
}

/* The saved pointer of one function (written once; a race writes the same
 * value twice). */
#define LAZY_FN(lib, open, type, name)                                         \
    static type lazy_##name;                                                   \
    type fn = __atomic_load_n(&lazy_##name, __ATOMIC_ACQUIRE);                 \
    if (!fn) {                                                                 \
        *(void **)&fn = lazy_sym(&lib, open, #name);                           \
        __atomic_store_n(&lazy_##name, fn, __ATOMIC_RELEASE);                  \
    }

#define LAZY(lib, open, ret, name, params, args)                               \
    ret name params                                                            \
    {                                                                          \
        typedef ret(*name##_fn) params;                                        \
        LAZY_FN(lib, open, name##_fn, name)                                    \
        return fn args;                                                        \
    }

#define LAZY_VOID(lib, open, name, params, args)                               \
    void name params                                                           \
    {                                                                          \
        typedef void(*name##_fn) params;                                       \
        LAZY_FN(lib, open, name##_fn, name)                                    \
        fn args;                                                               \
    }

#define CURL_FN(ret, name, params, args)                                       \
    LAZY(curl_lib, open_curl, ret, name, params, args)
#define CURL_VOID(name, params, args)                                          \
    LAZY_VOID(curl_lib, open_curl, name, params, args)
#define CAIRO_FN(ret, name, params, args)                                      \
    LAZY(cairo_lib, open_cairo, ret, name, params, args)
#define CAIRO_VOID(name, params, args)                                         \
    LAZY_VOID(cairo_lib, open_cairo, name, params, args)

/* ---- libcurl ---- */

CURL_FN(CURLcode, curl_global_init, (long flags), (flags))
CURL_FN(CURL *, curl_easy_init, (void), ())
CURL_VOID(curl_easy_cleanup, (CURL * c), (c))
CURL_FN(const char *, curl_easy_strerror, (CURLcode code), (code))
CURL_VOID(curl_free, (void *p), (p))
CURL_FN(time_t, curl_getdate, (const char *p, const time_t *unused),
        (p, unused))
CURL_FN(CURLM *, curl_multi_init, (void), ())
CURL_FN(CURLMcode, curl_multi_cleanup, (CURLM * m), (m))
CURL_FN(CURLMcode, curl_multi_add_handle, (CURLM * m, CURL *c), (m, c))
CURL_FN(CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL *c), (m, c))
CURL_FN(CURLMsg *, curl_multi_info_read, (CURLM * m, int *left), (m, left))
CURL_FN(CURLMcode, curl_multi_perform, (CURLM * m, int *running), (m, running))
CURL_FN(CURLMcode, curl_multi_poll,
        (CURLM * m, struct curl_waitfd extra[], unsigned int nextra,
         int timeout_ms, int *ret),
        (m, extra, nextra, timeout_ms, ret))
CURL_FN(CURLSH *, curl_share_init, (void), ())
CURL_FN(CURLSHcode, curl_share_cleanup, (CURLSH * s), (s))
CURL_FN(struct curl_slist *, curl_slist_append,
        (struct curl_slist * l, const char *data), (l, data))
CURL_VOID(curl_slist_free_all, (struct curl_slist * l), (l))
CURL_FN(CURLU *, curl_url, (void), ())
CURL_VOID(curl_url_cleanup, (CURLU * u), (u))
CURL_FN(CURLUcode, curl_url_get,
        (CURLU * u, CURLUPart what, char **part, unsigned int flags),
        (u, what, part, flags))
CURL_FN(CURLUcode, curl_url_set,
        (CURLU * u, CURLUPart what, const char *part, unsigned int flags),
        (u, what, part, flags))
CURL_FN(curl_version_info_data *, curl_version_info, (CURLversion v), (v))

/* The variadic ones take exactly one more argument, whose type the option
 * number says (as libcurl itself reads it). */
CURLcode curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
    typedef CURLcode (*setopt_fn)(CURL *, CURLoption, ...);
    LAZY_FN(curl_lib, open_curl, setopt_fn, curl_easy_setopt)
    va_list ap;
    CURLcode rc;

    va_start(ap, opt);
    if (opt < CURLOPTTYPE_OBJECTPOINT)
        rc = fn(c, opt, va_arg(ap, long));
    else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
        rc = fn(c, opt, va_arg(ap, curl_off_t));
    else /* objects, strings, lists, callbacks, blobs */
        rc = fn(c, opt, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
    typedef CURLcode (*getinfo_fn)(CURL *, CURLINFO, ...);
    LAZY_FN(curl_lib, open_curl, getinfo_fn, curl_easy_getinfo)
    va_list ap;
    CURLcode rc;

    va_start(ap, info);
    rc = fn(c, info, va_arg(ap, void *)); /* always a pointer to the answer */
    va_end(ap);
    return rc;
}

CURLSHcode curl_share_setopt(CURLSH *s, CURLSHoption opt, ...)
{
    typedef CURLSHcode (*share_fn)(CURLSH *, CURLSHoption, ...);
    LAZY_FN(curl_lib, open_curl, share_fn, curl_share_setopt)
    va_list ap;
    CURLSHcode rc;

    va_start(ap, opt);
    if (opt == CURLSHOPT_SHARE || opt == CURLSHOPT_UNSHARE)
        rc = fn(s, opt, va_arg(ap, int)); /* a curl_lock_data */
    else
        rc = fn(s, opt, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

/* ---- cairo ---- */

CAIRO_FN(const char *, cairo_version_string, (void), ())
CAIRO_FN(cairo_surface_t *, cairo_image_surface_create,
         (cairo_format_t f, int w, int h), (f, w, h))
CAIRO_FN(cairo_status_t, cairo_surface_status, (cairo_surface_t * s), (s))
CAIRO_VOID(cairo_surface_flush, (cairo_surface_t * s), (s))
CAIRO_VOID(cairo_surface_destroy, (cairo_surface_t * s), (s))
CAIRO_FN(cairo_status_t, cairo_surface_write_to_png_stream,
         (cairo_surface_t * s, cairo_write_func_t w, void *closure),
         (s, w, closure))
CAIRO_FN(cairo_t *, cairo_create, (cairo_surface_t * s), (s))
CAIRO_VOID(cairo_destroy, (cairo_t * cr), (cr))
CAIRO_FN(cairo_status_t, cairo_status, (cairo_t * cr), (cr))
CAIRO_FN(const char *, cairo_status_to_string, (cairo_status_t st), (st))
CAIRO_VOID(cairo_debug_reset_static_data, (void), ())
CAIRO_VOID(cairo_save, (cairo_t * cr), (cr))
CAIRO_VOID(cairo_restore, (cairo_t * cr), (cr))
CAIRO_VOID(cairo_new_path, (cairo_t * cr), (cr))
CAIRO_VOID(cairo_new_sub_path, (cairo_t * cr), (cr))
CAIRO_VOID(cairo_close_path, (cairo_t * cr), (cr))
CAIRO_VOID(cairo_fill, (cairo_t * cr), (cr))
CAIRO_VOID(cairo_fill_preserve, (cairo_t * cr), (cr))
CAIRO_VOID(cairo_stroke, (cairo_t * cr), (cr))
CAIRO_VOID(cairo_paint, (cairo_t * cr), (cr))
CAIRO_VOID(cairo_identity_matrix, (cairo_t * cr), (cr))
CAIRO_VOID(cairo_move_to, (cairo_t * cr, double x, double y), (cr, x, y))
CAIRO_VOID(cairo_line_to, (cairo_t * cr, double x, double y), (cr, x, y))
CAIRO_VOID(cairo_translate, (cairo_t * cr, double x, double y), (cr, x, y))
CAIRO_VOID(cairo_scale, (cairo_t * cr, double x, double y), (cr, x, y))
CAIRO_VOID(cairo_rotate, (cairo_t * cr, double a), (cr, a))
CAIRO_VOID(cairo_arc,
           (cairo_t * cr, double xc, double yc, double r, double a1, double a2),
           (cr, xc, yc, r, a1, a2))
CAIRO_VOID(cairo_rectangle,
           (cairo_t * cr, double x, double y, double w, double h),
           (cr, x, y, w, h))
CAIRO_VOID(cairo_set_line_width, (cairo_t * cr, double w), (cr, w))
CAIRO_VOID(cairo_set_line_cap, (cairo_t * cr, cairo_line_cap_t c), (cr, c))
CAIRO_VOID(cairo_set_line_join, (cairo_t * cr, cairo_line_join_t j), (cr, j))
CAIRO_VOID(cairo_set_dash,
           (cairo_t * cr, const double *dashes, int n, double offset),
           (cr, dashes, n, offset))
CAIRO_VOID(cairo_set_source_rgb, (cairo_t * cr, double r, double g, double b),
           (cr, r, g, b))
CAIRO_VOID(cairo_set_source_rgba,
           (cairo_t * cr, double r, double g, double b, double a),
           (cr, r, g, b, a))
CAIRO_VOID(cairo_set_source_surface,
           (cairo_t * cr, cairo_surface_t *s, double x, double y),
           (cr, s, x, y))
CAIRO_VOID(cairo_select_font_face,
           (cairo_t * cr, const char *family, cairo_font_slant_t slant,
            cairo_font_weight_t weight),
           (cr, family, slant, weight))
CAIRO_VOID(cairo_set_font_size, (cairo_t * cr, double size), (cr, size))
CAIRO_VOID(cairo_show_text, (cairo_t * cr, const char *utf8), (cr, utf8))
CAIRO_VOID(cairo_text_extents,
           (cairo_t * cr, const char *utf8, cairo_text_extents_t *ext),
           (cr, utf8, ext))

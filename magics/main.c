/* main.c -- the ytkernel executable.
 *
 *   ytkernel -f CONNECTION_FILE        run the kernel (started by Jupyter)
 *   ytkernel install [--user|--sys-prefix|--prefix DIR]
 *   ytkernel --version | --help
 *
 * State lives in YTK_HOME (default ${XDG_DATA_HOME:-~/.local/share}/ytkernel,
 * created with mode 0700): the store, the token and history.sqlite.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>
#include <cjson/cJSON.h>
#include <math.h>

#include "kn_kernel.h"
#include "mg_interp.h"
#include "yt_file.h"

#define SPEC_NAME "ytkernel"

static const char *const logos[] = {"logo-32x32.png", "logo-64x64.png",
                                    "logo-svg.svg"};

static void usage(FILE *f)
{
    fputs("usage: ytkernel -f CONNECTION_FILE\n"
          "       ytkernel install [--user | --sys-prefix | --prefix DIR]\n"
          "       ytkernel --version | --help\n"
          "\n"
          "A Jupyter kernel (protocol 5.5) for studying your own YouTube\n"
          "data: cells are SQL over a local SQLite store plus %magics.\n"
          "\n"
          "  -f FILE      run the kernel with the connection file FILE\n"
          "  install      write the kernelspec \"" SPEC_NAME
          "\" (display name\n"
          "               \"YouTube (C)\"); --user: ~/.local/share/jupyter,\n"
          "               --sys-prefix: the active venv/conda env, --prefix\n"
          "               DIR: DIR/share/jupyter; default /usr/local/share\n"
          "\n"
          "Environment: YTK_HOME (state directory, default\n"
          "${XDG_DATA_HOME:-~/.local/share}/ytkernel);\n"
          "YTK_STOP_ON_ERROR_TIMEOUT (seconds, default 1: after a cell\n"
          "fails, cells that arrive this soon are not run either).\n",
          f);
}

/* A YTK_HOME that group or others can enter is left as it is (it may be
 * shared on purpose, or be a folder the user made for more than ytkernel):
 * our files in it are 0600 anyway.  Say so once, with the fix. */
static void warn_open_home(const char *home)
{
    struct stat sb;

    if (stat(home, &sb) == 0 && (sb.st_mode & 077))
        fprintf(stderr,
                "ytkernel: warning: %s is open to other users (mode %03o); "
                "its files are 0600, but run chmod 700 on it to hide their "
                "names too\n",
                home, (unsigned)(sb.st_mode & 0777));
}

/* The state folder, created.  -1 with why (also printed on stderr). */
static int ytk_home(char *out, size_t len, char why[YTK_ERR_LEN])
{
    const char *h = getenv("YTK_HOME"), *x = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int n;

    if (h && *h)
        n = snprintf(out, len, "%s", h);
    else if (x && *x)
        n = snprintf(out, len, "%s/ytkernel", x);
    else if (home && *home)
        n = snprintf(out, len, "%s/.local/share/ytkernel", home);
    else {
        snprintf(why, YTK_ERR_LEN, "set YTK_HOME or HOME");
        goto fail;
    }
    if (n < 0 || (size_t)n >= len - 32) {
        snprintf(why, YTK_ERR_LEN, "YTK_HOME is too long");
        goto fail;
    }
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
    if (mg_mkdirs(out, 0700, NULL) < 0) {
        snprintf(why, YTK_ERR_LEN, "cannot create %.300s: %s", out,
                 strerror(errno));
        goto fail;
    }
    warn_open_home(out);
    return 0;
fail:
    fprintf(stderr, "ytkernel: %s\n", why);
    return -1;
}

/* YTK_STOP_ON_ERROR_TIMEOUT: seconds (as ipykernel's stop_on_error_timeout)
 * during which execute requests arriving after a failed cell are aborted;
 * unset or invalid = the kernel's default. */
static int stop_on_error_ms(void)
{
    const char *v = getenv("YTK_STOP_ON_ERROR_TIMEOUT");
    char *end;
    double s;

    if (!v || !*v)
        return -1;
    s = strtod(v, &end);
    if (*end || !(s >= 0 && s <= 3600)) {
        fprintf(stderr,
                "ytkernel: YTK_STOP_ON_ERROR_TIMEOUT=%.32s is not a number "
                "of seconds (0 to 3600); using the default\n",
                v);
        return -1;
    }
    return (int)(s * 1000 + 0.5);
}

static int run_kernel(const char *conn_file)
{
    char home[PATH_MAX], hist[PATH_MAX + 32];
    char err[YTK_ERR_LEN];
    struct kn_interp in;
    struct kn_config cfg = {.stop_on_error_ms = stop_on_error_ms()};
    int rc;

    memset(&in, 0, sizeof(in));
    if (ytk_home(home, sizeof(home), err) < 0) {
        /* start anyway: the notebook says why (see mg_interp.h) */
        if (mg_interp_create_unusable(err, &in) < 0)
            return 1;
    } else {
        snprintf(hist, sizeof(hist), "%s/history.sqlite", home);
        cfg.history_path = hist;
        if (yt_file_private_prepare(hist, err) < 0) {
            fprintf(stderr, "ytkernel: %s; keeping history in memory\n", err);
            cfg.history_path = NULL;
        }
        if (mg_interp_create(home, &in, err) < 0) {
            fprintf(stderr, "ytkernel: %s\n", err);
            if (mg_interp_create_unusable(err, &in) < 0)
                return 1;
        }
    }
    cfg.connection_file = conn_file;
    rc = kn_kernel_run(&cfg, &in);
    mg_interp_destroy(&in);
    return rc;
}

/* Install writes go through yt_file too (a kernelspec folder may be
 * shared, e.g. --prefix): no symlink planted there is ever followed. */
static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    struct yt_file w = {0};
    char buf[8192], err[YTK_ERR_LEN];
    size_t n;
    int rc = -1;

    if (!in || yt_file_begin(&w, to, YT_FILE_PUBLIC, err) < 0)
        goto out;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        if (fwrite(buf, 1, n, w.f) != n)
            goto out;
    if (ferror(in))
        goto out;
    rc = yt_file_commit(&w, err);
out:
    yt_file_abort(&w);
    if (in)
        fclose(in);
    return rc;
}

/* The logo (same drawing as kernelspec/logo-*.png): a red rounded screen,
 * a white play triangle and three table rows.  Used by `install` when the
 * logo files are not next to the binary (e.g. an installed copy). */
static const char logo_svg[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\" "
    "viewBox=\"0 0 64 64\">\n"
    "  <title>ytkernel</title>\n"
    "  <rect x=\"2.56\" y=\"10.24\" width=\"58.88\" height=\"43.52\" "
    "rx=\"11.52\" ry=\"11.52\" fill=\"#db1717\"/>\n"
    "  <polygon points=\"12.8,20.48 28.16,32 12.8,43.52\" fill=\"#ffffff\"/>\n"
    "  <rect x=\"33.28\" y=\"19.84\" width=\"19.2\" height=\"5.76\" "
    "fill=\"#ffffff\"/>\n"
    "  <rect x=\"33.28\" y=\"28.8\" width=\"19.2\" height=\"5.76\" "
    "fill=\"#ffffff\"/>\n"
    "  <rect x=\"33.28\" y=\"37.76\" width=\"19.2\" height=\"5.76\" "
    "fill=\"#ffffff\"/>\n"
    "</svg>\n";

static cairo_status_t png_to_file(void *closure, const unsigned char *data,
                                  unsigned int len)
{
    return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS
                                                : CAIRO_STATUS_WRITE_ERROR;
}

static int write_png(cairo_surface_t *sf, const char *path)
{
    struct yt_file w;
    char err[YTK_ERR_LEN];

    if (yt_file_begin(&w, path, YT_FILE_PUBLIC, err) < 0)
        return -1;
    if (cairo_surface_write_to_png_stream(sf, png_to_file, w.f) !=
        CAIRO_STATUS_SUCCESS) {
        yt_file_abort(&w);
        return -1;
    }
    return yt_file_commit(&w, err);
}

static int draw_logo_png(const char *path, int size)
{
    double s = size, r = 0.18 * s, x = 0.04 * s, y = 0.16 * s;
    double w = 0.92 * s, h = 0.68 * s;
    cairo_surface_t *sf =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    cairo_t *cr = cairo_create(sf);
    int rc;

    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 0.86, 0.09, 0.09);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_move_to(cr, 0.20 * s, 0.32 * s);
    cairo_line_to(cr, 0.44 * s, 0.50 * s);
    cairo_line_to(cr, 0.20 * s, 0.68 * s);
    cairo_close_path(cr);
    cairo_fill(cr);
    for (int i = 0; i < 3; i++) {
        cairo_rectangle(cr, 0.52 * s, (0.31 + i * 0.14) * s, 0.30 * s,
                        0.09 * s);
        cairo_fill(cr);
    }
    rc = write_png(sf, path);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
    return rc;
}

/* Write the three logos into dest without source files. */
static int draw_logos(const char *dest)
{
    char path[PATH_MAX + 64], err[YTK_ERR_LEN];

    snprintf(path, sizeof(path), "%s/logo-32x32.png", dest);
    if (draw_logo_png(path, 32) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/logo-64x64.png", dest);
    if (draw_logo_png(path, 64) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/logo-svg.svg", dest);
    return yt_file_write(path, logo_svg, sizeof(logo_svg) - 1, YT_FILE_PUBLIC,
                         err);
}

/* Find the directory holding the logo files: next to the binary in the
 * build tree, or an installed data dir.  Returns -1 when there is none (the
 * logos are then drawn). */
static int find_logo_dir(const char *exe_dir, char *out, size_t len)
{
    char path[PATH_MAX + 64];

    for (int i = 0; i < 2; i++) {
        int n;

        if (i == 0)
            n = snprintf(out, len, "%s/jupyter/kernels/" SPEC_NAME, exe_dir);
        else
            n = snprintf(out, len, "%s/../share/ytkernel/kernelspec", exe_dir);
        if (n < 0 || (size_t)n >= len)
            continue; /* path too long: not a candidate */
        snprintf(path, sizeof(path), "%s/%s", out, logos[0]);
        if (access(path, R_OK) == 0)
            return 0;
    }
    return -1;
}

static int install(int argc, char **argv)
{
    char exe[PATH_MAX], exe_dir[PATH_MAX], dest[PATH_MAX], logo_dir[PATH_MAX];
    char from[PATH_MAX + 64], to[PATH_MAX + 64];
    const char *prefix = NULL, *mode = "system";
    cJSON *spec = NULL, *av;
    char *text = NULL, *line = NULL, err[YTK_ERR_LEN];
    ssize_t n;
    int rc = 1;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--user") == 0) {
            mode = "user";
        } else if (strcmp(argv[i], "--sys-prefix") == 0) {
            mode = "sys-prefix";
        } else if (strcmp(argv[i], "--prefix") == 0 && i + 1 < argc) {
            mode = "prefix";
            prefix = argv[++i];
        } else if (strncmp(argv[i], "--prefix=", 9) == 0) {
            mode = "prefix";
            prefix = argv[i] + 9;
        } else {
            fprintf(stderr, "ytkernel install: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (strcmp(mode, "user") == 0) {
        const char *jd = getenv("JUPYTER_DATA_DIR"),
                   *x = getenv("XDG_DATA_HOME");
        const char *home = getenv("HOME");
        if (jd && *jd)
            snprintf(dest, sizeof(dest), "%s/kernels/" SPEC_NAME, jd);
        else if (x && *x)
            snprintf(dest, sizeof(dest), "%s/jupyter/kernels/" SPEC_NAME, x);
        else if (home && *home)
            snprintf(dest, sizeof(dest),
                     "%s/.local/share/jupyter/kernels/" SPEC_NAME, home);
        else {
            fprintf(stderr, "ytkernel install: HOME is not set\n");
            return 1;
        }
    } else if (strcmp(mode, "sys-prefix") == 0) {
        const char *p = getenv("VIRTUAL_ENV");
        if (!p || !*p)
            p = getenv("CONDA_PREFIX");
        if (!p || !*p) {
            fprintf(stderr, "ytkernel install: --sys-prefix needs an active "
                            "virtualenv or conda env (VIRTUAL_ENV or "
                            "CONDA_PREFIX); use --prefix DIR instead\n");
            return 1;
        }
        snprintf(dest, sizeof(dest), "%s/share/jupyter/kernels/" SPEC_NAME, p);
    } else if (strcmp(mode, "prefix") == 0) {
        snprintf(dest, sizeof(dest), "%s/share/jupyter/kernels/" SPEC_NAME,
                 prefix);
    } else {
        snprintf(dest, sizeof(dest),
                 "/usr/local/share/jupyter/kernels/" SPEC_NAME);
    }

    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        fprintf(stderr, "ytkernel install: cannot find my own path: %s\n",
                strerror(errno));
        return 1;
    }
    exe[n] = '\0';
    snprintf(exe_dir, sizeof(exe_dir), "%s", exe);
    *strrchr(exe_dir, '/') = '\0';
    if (find_logo_dir(exe_dir, logo_dir, sizeof(logo_dir)) < 0)
        logo_dir[0] = '\0'; /* draw them instead */
    if (mg_mkdirs(dest, 0755, NULL) < 0) {
        fprintf(stderr, "ytkernel install: cannot create %s: %s%s\n", dest,
                strerror(errno),
                errno == EACCES ? " (try --user or --prefix DIR)" : "");
        return 1;
    }
    spec = cJSON_CreateObject();
    av = cJSON_AddArrayToObject(spec, "argv");
    cJSON_AddItemToArray(av, cJSON_CreateString(exe));
    cJSON_AddItemToArray(av, cJSON_CreateString("-f"));
    cJSON_AddItemToArray(av, cJSON_CreateString("{connection_file}"));
    cJSON_AddStringToObject(spec, "display_name", "YouTube (C)");
    cJSON_AddStringToObject(spec, "language", "sql");
    cJSON_AddStringToObject(spec, "interrupt_mode", "signal");
    cJSON_AddStringToObject(spec, "kernel_protocol_version", "5.5");
    cJSON_AddObjectToObject(spec, "metadata");
    text = cJSON_Print(spec);
    snprintf(to, sizeof(to), "%s/kernel.json", dest);
    if (!text || !(line = malloc(strlen(text) + 2))) {
        fprintf(stderr, "ytkernel install: out of memory\n");
        goto out;
    }
    snprintf(line, strlen(text) + 2, "%s\n", text);
    if (yt_file_write(to, line, strlen(line), YT_FILE_PUBLIC, err) < 0) {
        fprintf(stderr, "ytkernel install: %s\n", err);
        goto out;
    }
    if (!logo_dir[0] && draw_logos(dest) < 0) {
        fprintf(stderr, "ytkernel install: cannot write the logos in %s: %s\n",
                dest, strerror(errno));
        goto out;
    }
    for (size_t i = 0; logo_dir[0] && i < sizeof(logos) / sizeof(logos[0]);
         i++) {
        snprintf(from, sizeof(from), "%s/%s", logo_dir, logos[i]);
        snprintf(to, sizeof(to), "%s/%s", dest, logos[i]);
        if (copy_file(from, to) < 0) {
            fprintf(stderr, "ytkernel install: cannot copy %s to %s: %s\n",
                    from, to, strerror(errno));
            goto out;
        }
    }
    printf("Installed kernelspec " SPEC_NAME " in %s\n", dest);
    rc = 0;
out:
    free(line);
    free(text);
    cJSON_Delete(spec);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("ytkernel %s (Jupyter protocol 5.5)\n", YTK_VERSION);
        return 0;
    }
    if (argc >= 2 &&
        (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "install") == 0)
        return install(argc - 2, argv + 2);
    if (argc == 3 && strcmp(argv[1], "-f") == 0)
        return run_kernel(argv[2]);
    if (argc == 2 && strncmp(argv[1], "--f=", 4) == 0)
        return run_kernel(argv[1] + 4);
    usage(stderr);
    return 2;
}

/* test_io.c — the output writer (io.c): buffering, ordering between stdout
 * and stderr, whole lines under concurrent writers, large writes, and
 * reading lines and characters from stdin.
 *
 * fd 1, fd 2 and fd 0 are redirected to temporary files for the checks, so
 * the test reads back exactly the bytes the writer produced. */
#include "unit.h"
#include "inspect.h"
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>

static int saved_out, saved_err;

/* Redirect fd 1 and fd 2 to one temporary file (so their interleaving is
 * visible); returns its fd. */
static int capture(void)
{
    char path[] = "/tmp/act_test_io_XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    saved_out = dup(1);
    saved_err = dup(2);
    dup2(fd, 1);
    dup2(fd, 2);
    return fd;
}

/* Restore fd 1/2; returns what was written (malloc'd, NUL-terminated). */
static char *release(int fd, size_t *len)
{
    io_flush();
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    off_t n = lseek(fd, 0, SEEK_END);
    char *buf = malloc((size_t)n + 1);
    pread(fd, buf, (size_t)n, 0);
    buf[n] = 0;
    close(fd);
    *len = (size_t)n;
    return buf;
}

static void test_order(void)
{
    int fd = capture();
    io_write(IO_STDOUT, "a", 1);
    io_write_line(IO_STDOUT, "bc", 2);
    io_write_line(IO_STDERR, "err", 3); /* flushes stdout first */
    io_write(IO_STDOUT, "d", 1);
    size_t n;
    char *out = release(fd, &n);
    CHECK_EQ_STR(out, "abc\nerr\nd");
    free(out);
}

static void test_large(void)
{
    int fd = capture();
    size_t big = 200000;
    char *s = malloc(big);
    for (size_t i = 0; i < big; i++) s[i] = (char)('a' + i % 26);
    io_write(IO_STDOUT, "<", 1);
    io_write_line(IO_STDOUT, s, big); /* larger than the buffer */
    io_write(IO_STDOUT, ">", 1);
    size_t n;
    char *out = release(fd, &n);
    CHECK_EQ_INT(n, big + 3);
    CHECK(out[0] == '<' && memcmp(out + 1, s, big) == 0 && out[big + 1] == '\n' && out[big + 2] == '>');
    free(out);
    free(s);
}

#define THREADS 8
#define LINES 2000

static void *writer(void *arg)
{
    char line[64];
    long id = (long)arg;
    for (int i = 0; i < LINES; i++) {
        int len = snprintf(line, sizeof line, "thread %ld line %d ................", id, i);
        io_write_line(IO_STDOUT, line, (size_t)len);
    }
    return NULL;
}

static void test_concurrent_lines(void)
{
    int fd = capture();
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, writer, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    size_t n;
    char *out = release(fd, &n);
    /* every line is whole, and each thread's lines are in order */
    int next[THREADS] = { 0 };
    size_t lines = 0, bad = 0;
    for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
        long id;
        int i;
        char tail[64];
        if (sscanf(l, "thread %ld line %d %63s", &id, &i, tail) != 3 || id < 0 || id >= THREADS ||
            i != next[id] || strcmp(tail, "................")) {
            bad++;
        } else {
            next[id]++;
        }
        lines++;
    }
    CHECK_EQ_INT(lines, THREADS * LINES);
    CHECK_EQ_INT(bad, 0);
    free(out);
}

static void test_read(void)
{
    char path[] = "/tmp/act_test_in_XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    const char *input = "first line\nh\xc3\xa9llo\nlast";
    write(fd, input, strlen(input));
    lseek(fd, 0, SEEK_SET);
    int saved_in = dup(0);
    dup2(fd, 0);
    StrBuf b = { 0 };
    CHECK(io_read_line(&b));
    CHECK_EQ_STR(b.data, "first line\n");
    b.len = 0;
    CHECK(io_read_line(&b));
    CHECK_EQ_STR(b.data, "h\xc3\xa9llo\n");
    b.len = 0;
    CHECK(io_read_line(&b));
    CHECK_EQ_STR(b.data, "last");
    b.len = 0;
    CHECK(!io_read_line(&b));
    strbuf_free(&b);
    dup2(saved_in, 0);
    close(saved_in);
    close(fd);
}

int main(void)
{
    RUN(test_order);
    RUN(test_large);
    RUN(test_concurrent_lines);
    RUN(test_read);
    return unit_summary();
}

/* runbest.c -- runbest N COMMAND [ARG...] [-- COMMAND2 [ARG...]]: run each
 * command N times, alternating when there are two, with stdout to
 * /dev/null, and print the shortest wall time of one run of each, in
 * seconds.  The whole process is timed (exec, dynamic loading, work, exit)
 * around fork and waitpid with CLOCK_MONOTONIC, without a shell or date(1)
 * in between; alternating the two spreads a noisy spell of the machine
 * over both (tests/bench/bench.sh). */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* one run of argv; its wall time, or -1 when it failed */
static double run(char **argv)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            dup2(fd, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return now() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: runbest N COMMAND [ARG...] [-- COMMAND2 [ARG...]]\n");
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    if (n < 1)
        n = 1;
    char **cmd[2] = {argv + 2, NULL};
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--")) {
            argv[i] = NULL;
            cmd[1] = i + 1 < argc ? argv + i + 1 : NULL;
            break;
        }
    double best[2] = {-1, -1};
    for (long i = 0; i < n; i++)
        for (int c = 0; c < 2 && cmd[c]; c++) {
            double t = run(cmd[c]);
            if (t < 0) {
                fprintf(stderr, "runbest: %s failed\n", cmd[c][0]);
                return 2;
            }
            if (best[c] < 0 || t < best[c])
                best[c] = t;
        }
    printf("%.6f", best[0]);
    if (cmd[1])
        printf(" %.6f", best[1]);
    printf("\n");
    return 0;
}

/* Runs a command and prints what it cost: "CPU_MS MAXRSS_KB STATUS" — the user + system CPU
 * time of the command and of every process it waited for, in milliseconds with microsecond
 * resolution (GNU time prints 10 ms), and the largest resident set any one of them reached
 * (wait4(2)'s rusage: the child's, its reaped descendants included). A small C parent, so the
 * pages a large parent's fork would carry into the child's peak before exec are not counted.
 *
 * Usage: rusage COMMAND [ARG...]   (the command's output goes to /dev/null) */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: rusage COMMAND [ARG...]\n");
        return 2;
    }
    pid_t child = fork();
    if (child == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    if (child < 0 || wait4(child, &status, 0, &usage) < 0) {
        perror("rusage");
        return 2;
    }
    double ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
                (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
    printf("%.1f %ld %d\n", ms, usage.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
    return 0;
}

/* server: a tiny HTTP server. PORT env (default 8080). --selftest serves one request to itself. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BODY "hello from server\n"

static void handle(int c)
{
    char req[1024];
    ssize_t n = read(c, req, sizeof req - 1);
    if (n <= 0) { close(c); return; }
    req[n] = '\0';
    char resp[512];
    int ok = strncmp(req, "GET / ", 6) == 0;
    int len = snprintf(resp, sizeof resp,
        "HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
        ok ? "200 OK" : "404 Not Found", ok ? strlen(BODY) : (size_t)10,
        ok ? BODY : "not found\n");
    if (write(c, resp, len) < 0) perror("write");
    close(c);
}

static int listen_on(int port, struct sockaddr_in *addr)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons(port);
    addr->sin_addr.s_addr = port ? htonl(INADDR_ANY) : htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)addr, sizeof *addr) < 0 || listen(s, 16) < 0) {
        perror("bind/listen");
        exit(1);
    }
    socklen_t l = sizeof *addr;
    getsockname(s, (struct sockaddr *)addr, &l);
    return s;
}

static int selftest(void)
{
    struct sockaddr_in addr;
    int s = listen_on(0, &addr);
    pid_t pid = fork();
    if (pid == 0) { handle(accept(s, NULL, NULL)); _exit(0); }
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("connect"); return 1; }
    const char *req = "GET / HTTP/1.0\r\n\r\n";
    if (write(c, req, strlen(req)) < 0) return 1;
    char buf[1024];
    size_t got = 0;
    ssize_t n;
    while ((n = read(c, buf + got, sizeof buf - 1 - got)) > 0) got += n;
    buf[got] = '\0';
    close(c);
    waitpid(pid, NULL, 0);
    if (strstr(buf, "200 OK") && strstr(buf, BODY)) { puts("selftest ok"); return 0; }
    fprintf(stderr, "selftest failed: %s\n", buf);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--selftest") == 0) return selftest();
    const char *p = getenv("PORT");
    struct sockaddr_in addr;
    int s = listen_on(p ? atoi(p) : 8080, &addr);
    printf("listening on :%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c >= 0) handle(c);
    }
}

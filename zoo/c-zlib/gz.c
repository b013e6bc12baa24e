/* gz: gzip-compress stdin to stdout (gz -d decompresses), using zlib.
 *   gz [-1..-9] < in > out.gz      gz -d < in.gz > out      gz --selftest */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static int copy(gzFile in, FILE *out)
{
    char buf[16384];
    int n;
    while ((n = gzread(in, buf, sizeof buf)) > 0)
        if (fwrite(buf, 1, n, out) != (size_t)n) return 1;
    return n < 0;
}

static int selftest(void)
{
    const char *msg = "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo";
    Bytef packed[256], back[256];
    uLongf plen = sizeof packed, blen = sizeof back;
    if (compress2(packed, &plen, (const Bytef *)msg, strlen(msg) + 1, 9) != Z_OK) return 1;
    if (uncompress(back, &blen, packed, plen) != Z_OK) return 1;
    if (strcmp((char *)back, msg) != 0 || plen >= strlen(msg)) return 1;
    printf("selftest ok (zlib %s, %zu -> %lu bytes)\n", zlibVersion(), strlen(msg) + 1, (unsigned long)plen);
    return 0;
}

int main(int argc, char **argv)
{
    char mode[4] = "wb6";
    int decompress = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--selftest") == 0) return selftest();
        if (strcmp(argv[i], "-d") == 0) decompress = 1;
        else if (argv[i][0] == '-' && argv[i][1] >= '1' && argv[i][1] <= '9') mode[2] = argv[i][1];
    }
    if (decompress) {
        gzFile in = gzdopen(dup(0), "rb");
        if (!in) return 1;
        int rc = copy(in, stdout);
        gzclose(in);
        return rc;
    }
    gzFile out = gzdopen(dup(1), mode);
    if (!out) return 1;
    char buf[16384];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (gzwrite(out, buf, (unsigned)n) != (int)n) return 1;
    return gzclose(out) != Z_OK;
}

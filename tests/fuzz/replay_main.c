/*
 * replay_main.c - a main() for fuzz targets built without libFuzzer: replays
 * every regular file of the directory argv[1] (in name order, so runs are
 * reproducible) through LLVMFuzzerTestOneInput.  Exit 0 when all ran, 1 on
 * usage or I/O errors; a crash in the target is the failure being looked for.
 */
#ifndef MESODESK_LIBFUZZER
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX ((size_t)1 << 20)

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    int rc = 1;
    if (!f) goto cleanup;
    if (!(buf = malloc(REPLAY_MAX))) goto cleanup;
    size_t n = fread(buf, 1, REPLAY_MAX, f);
    if (ferror(f)) goto cleanup;
    LLVMFuzzerTestOneInput(buf, n);
    rc = 0;
cleanup:
    if (f) fclose(f);
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    struct dirent **names = NULL;
    int n, failed = 0, ran = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 1;
    }
    n = scandir(argv[1], &names, NULL, alphasort);
    if (n < 0) {
        perror(argv[1]);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        if (names[i]->d_name[0] != '.' &&
            (size_t)snprintf(path, sizeof path, "%s/%s", argv[1], names[i]->d_name) < sizeof path) {
            if (replay(path) != 0) {
                fprintf(stderr, "cannot read %s\n", path);
                failed = 1;
            } else {
                ran++;
            }
        }
        free(names[i]);
    }
    free(names);
    printf("replayed %d inputs from %s\n", ran, argv[1]);
    return failed || ran == 0;
}
#endif

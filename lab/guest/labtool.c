// labtool: the lab's small static helper inside the QEMU guests. Every result is one line on stdout that the
// host parses ("@@ ..."), with errno by name, so a test compares exact answers, not shell messages.
//   labtool write PATH HEX        write(2) the bytes once (HEX may be empty: a 0-byte write); prints ret/errno
//   labtool read PATH             read(2) up to 4096 bytes; prints the bytes as hex, or errno
//   labtool mkdir PATH | rmdir PATH
//   labtool keys                  every key in the user keyring: serial, type, description hex, payload hex
//   labtool load KERNEL INITRD CMDLINE   kexec_file_load(..., KEXEC_FILE_ON_CRASH | KEXEC_FILE_DEBUG), so the
//                                 first kernel prints its segments and the final command line (kexec_file.c)
//   labtool addkey TYPE DESC FILE  add_key(2) the file's bytes to the user keyring (arm64 guests have no keyctl)
//   labtool debug                 kexec_file_load with a bad descriptor and KEXEC_FILE_DEBUG: it fails, but
//                                 leaves kexec_file_dbg_print set, so the kdump kernel's restore prints its lines
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEXEC_FILE_ON_CRASH 0x00000002
#define KEXEC_FILE_DEBUG 0x00000008
#define KEYCTL_DESCRIBE 6
#define KEYCTL_READ 11
#define KEY_SPEC_USER_KEYRING -4

static const char *errname(int e)
{
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case EIO: return "EIO";
    case EBADF: return "EBADF"; case ENOMEM: return "ENOMEM"; case EACCES: return "EACCES";
    case EFAULT: return "EFAULT"; case EBUSY: return "EBUSY"; case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR"; case EISDIR: return "EISDIR"; case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC"; case E2BIG: return "E2BIG"; case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOKEY: return "ENOKEY"; case EKEYREVOKED: return "EKEYREVOKED"; case EKEYEXPIRED: return "EKEYEXPIRED";
    case EDQUOT: return "EDQUOT"; case EADDRNOTAVAIL: return "EADDRNOTAVAIL"; case ENOTEMPTY: return "ENOTEMPTY";
    case EOPNOTSUPP: return "EOPNOTSUPP"; case ENOEXEC: return "ENOEXEC"; case ENOSYS: return "ENOSYS";
    default: { static char buf[16]; snprintf(buf, sizeof buf, "E%d", e); return buf; }
    }
}

static void hex(const unsigned char *p, long n)
{
    for (long i = 0; i < n; i++) printf("%02x", p[i]);
}

static int unhex(const char *s, unsigned char *out, size_t cap)
{
    size_t n = strlen(s);
    if (n % 2 || n / 2 > cap) return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
        out[i] = (unsigned char)v;
    }
    return (int)(n / 2);
}

static int cmd_write(const char *path, const char *hexdata)
{
    static unsigned char buf[65536];
    int n = unhex(hexdata, buf, sizeof buf);
    if (n < 0) { printf("@@ write usage\n"); return 2; }
    int fd = open(path, O_WRONLY);
    if (fd < 0) { printf("@@ write open %s\n", errname(errno)); return 1; }
    ssize_t r = write(fd, buf, (size_t)n);
    int e = r < 0 ? errno : 0;
    int c = close(fd);
    printf("@@ write ret %zd errno %s close %d\n", r, errname(e), c);
    return 0;
}

static int cmd_read(const char *path)
{
    static unsigned char buf[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("@@ read open %s\n", errname(errno)); return 1; }
    ssize_t r = read(fd, buf, sizeof buf);
    int e = r < 0 ? errno : 0;
    close(fd);
    printf("@@ read ret %zd errno %s data ", r, errname(e));
    if (r > 0) hex(buf, r);
    printf("\n");
    return 0;
}

static int cmd_dir(int make, const char *path)
{
    int r = make ? mkdir(path, 0755) : rmdir(path);
    printf("@@ %s ret %d errno %s\n", make ? "mkdir" : "rmdir", r, errname(r < 0 ? errno : 0));
    return 0;
}

static int cmd_keys(void)
{
    static int serials[4096];
    long n = syscall(SYS_keyctl, KEYCTL_READ, KEY_SPEC_USER_KEYRING, serials, sizeof serials);
    if (n < 0) { printf("@@ keys error %s\n", errname(errno)); return 1; }
    long count = n / (long)sizeof(int);
    printf("@@ keys count %ld\n", count);
    for (long i = 0; i < count; i++) {
        static char desc[8192];
        static unsigned char payload[65536];
        long d = syscall(SYS_keyctl, KEYCTL_DESCRIBE, serials[i], desc, sizeof desc);
        long p = syscall(SYS_keyctl, KEYCTL_READ, serials[i], payload, sizeof payload);
        int pe = p < 0 ? errno : 0;
        // DESCRIBE gives "type;uid;gid;perm;description" (security/keys/keyctl.c keyctl_describe_key).
        char *type = desc, *rest = d > 0 ? strchr(desc, ';') : NULL;
        printf("@@ key serial %d", serials[i]);
        if (rest) {
            *rest = 0;
            char *f = rest + 1;
            for (int k = 0; k < 3 && f; k++) f = strchr(f, ';') ? strchr(f, ';') + 1 : NULL;
            char *perm = rest + 1;
            for (int k = 0; k < 2 && perm; k++) perm = strchr(perm, ';') ? strchr(perm, ';') + 1 : NULL;
            unsigned long permv = perm ? strtoul(perm, NULL, 16) : 0;
            printf(" type %s perm %08lx desc ", type, permv);
            if (f) hex((const unsigned char *)f, (long)strlen(f));
        }
        printf(" size %ld errno %s payload ", p, errname(pe));
        if (p > 0) hex(payload, p > (long)sizeof payload ? (long)sizeof payload : p);
        printf("\n");
    }
    return 0;
}

static int cmd_load(const char *kernel, const char *initrd, const char *cmdline)
{
    int kfd = open(kernel, O_RDONLY), ifd = open(initrd, O_RDONLY);
    if (kfd < 0 || ifd < 0) { printf("@@ load open %s\n", errname(errno)); return 1; }
    long r = syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline,
                     KEXEC_FILE_ON_CRASH | KEXEC_FILE_DEBUG);
    printf("@@ load ret %ld errno %s\n", r, errname(r < 0 ? errno : 0));
    return r < 0;
}

static int cmd_addkey(const char *type, const char *desc, const char *path)
{
    static unsigned char buf[65536];
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("@@ addkey open %s\n", errname(errno)); return 1; }
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    long r = syscall(SYS_add_key, type, desc, buf, (size_t)(n < 0 ? 0 : n), KEY_SPEC_USER_KEYRING);
    printf("@@ addkey ret %ld errno %s\n", r, errname(r < 0 ? errno : 0));
    return r < 0;
}

static int cmd_debug(void)
{
    long r = syscall(SYS_kexec_file_load, -1, -1, 1, "", KEXEC_FILE_ON_CRASH | KEXEC_FILE_DEBUG);
    printf("@@ debug ret %ld errno %s\n", r, errname(r < 0 ? errno : 0));
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && !strcmp(argv[1], "write")) return cmd_write(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "write")) return cmd_write(argv[2], "");
    if (argc == 3 && !strcmp(argv[1], "read")) return cmd_read(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "mkdir")) return cmd_dir(1, argv[2]);
    if (argc == 3 && !strcmp(argv[1], "rmdir")) return cmd_dir(0, argv[2]);
    if (argc == 2 && !strcmp(argv[1], "keys")) return cmd_keys();
    if (argc == 5 && !strcmp(argv[1], "load")) return cmd_load(argv[2], argv[3], argv[4]);
    if (argc == 2 && !strcmp(argv[1], "debug")) return cmd_debug();
    if (argc == 5 && !strcmp(argv[1], "addkey")) return cmd_addkey(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: labtool write|read|mkdir|rmdir|keys|load|debug|addkey ...\n");
    return 2;
}

/*
 * replay.c: a compiled reference for `rfs-replay replay TRACE`, one
 * configuration (the trace's own: its header's table sizes, RPS maps and
 * nr_cpu_ids, the kernel profile of its `kernel=` release).
 *
 * It reads a format-v1 trace in plain text (docs/format.md; the bench's
 * canonical spelling, and the other spellings of the fields that need no
 * quoting) and replays every row through the same model as
 * src/model/wasm/lanes.ts (docs/model.md): the global rps_sock_flow_table,
 * get_rps_cpu() with the per-RX-queue rps_dev_flow tables and their ordering
 * guard, the per-CPU backlog counters, deliver-row matching, and the pending
 * packets that decide locality and stale hits (docs/metrics.md). It prints
 * its counters as JSON on stdout; the bench and test/bench/reference.test.ts
 * require them to equal `replay --json`'s.
 *
 * Not here: what-ifs and sweeps, FIFO heads, the closed loop, per-queue
 * results, timelines, --lenient, gzip, quoted fields. Bad input: one line
 * `file:line:column: what was expected` on stderr, exit status 2.
 *
 * Build: cc -O2 -march=native -std=c11 -o replay-ref replay.c
 * Run:   replay-ref TRACE.csv
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef int32_t i32;
typedef uint64_t u64;
typedef int64_t i64;

/* include/net/rps.h: the "no CPU" value of both tables. */
#define RPS_NO_CPU 0xffffu
/* include/linux/hash.h */
#define GOLDEN_RATIO_32 0x61C88647u
/* Deliver rows match only the most recent 2^18 packets, at most 8 deep per skb (src/replay/deliver-matching.ts). */
#define PACKET_WINDOW (1u << 18)
#define PACKET_WINDOW_MASK (PACKET_WINDOW - 1)
#define MATCH_DEPTH 8
#define MAX_LINE (1u << 20)
#define MAX_QUEUES 4096
#define MAX_COLUMNS 256

/* include/net/tcp_states.h */
enum { TCP_ESTABLISHED = 1, TCP_SYN_SENT, TCP_SYN_RECV, TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_TIME_WAIT, TCP_CLOSE,
       TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_LISTEN, TCP_CLOSING, TCP_NEW_SYN_RECV };
static const char *const TCP_STATE_NAMES[] = { "", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
                                               "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
                                               "NEW_SYN_RECV" };

enum Event { EV_RECVMSG, EV_SENDMSG, EV_ACCEPT, EV_SPLICE, EV_STATE, EV_PACKET, EV_DELIVER, EV_COUNT };
static const char *const EVENT_NAMES[] = { "recvmsg", "sendmsg", "accept", "splice", "state", "packet", "deliver" };
enum Column { C_TS, C_EVENT, C_CPU, C_SOCKET, C_STATE, C_RXHASH, C_QUEUE, C_SKB, C_COUNT };
static const char *const COLUMN_NAMES[] = { "ts", "event", "cpu", "socket", "state", "rxhash", "queue", "skb" };

/* ---- Bad input ---- */

static const char *g_file;
static u64 g_line;

static void die_at(size_t column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%llu:%zu: ", g_file, (unsigned long long)g_line, column);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "replay-ref: out of memory\n");
        exit(1);
    }
    return p;
}

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (!p) {
        fprintf(stderr, "replay-ref: out of memory\n");
        exit(1);
    }
    return p;
}

/* ---- Kernel profiles (src/model/kernel.ts, docs/model.md "Kernel profiles") ---- */

typedef struct {
    const char *name;
    int delete_on_close;          /* 6.16+: inet_unhash() -> sock_rps_delete_flow() */
    int hashed_queue_slot;        /* 6.15+: rfs_slot() = hash_32(hash, log) */
    int record_only_established;  /* 4.10+: sock_rps_record_flow() tests sk_state */
    int collision_detection;      /* 4.0+: slots hold hash high bits | cpu */
    int reset_on_close_and_rehash; /* up to 3.19: rps_reset_sock_flow() */
} Profile;

static const Profile PROFILES[] = {
    { "6.16", 1, 1, 1, 1, 0 }, { "6.15", 0, 1, 1, 1, 0 }, { "4.10", 0, 0, 1, 1, 0 },
    { "4.0", 0, 0, 0, 1, 0 },  { "3.19", 0, 0, 0, 0, 1 },
};

/* kernelProfileOfRelease() (src/types/own-config.ts): the profile whose range holds the release; default 6.16. */
static const Profile *profile_of_release(const char *release)
{
    unsigned a, b, c = 0;
    while (*release == ' ' || *release == '\t') release++;
    if (sscanf(release, "%u.%u.%u", &a, &b, &c) < 2) return &PROFILES[0];
    u64 v = ((u64)a << 40) | ((u64)b << 20) | c;
#define AT_LEAST(x, y, z) (v >= (((u64)(x) << 40) | ((u64)(y) << 20) | (z)))
    if (AT_LEAST(6, 16, 0)) return &PROFILES[0];
    if (AT_LEAST(6, 15, 0)) return &PROFILES[1];
    if (AT_LEAST(4, 10, 0)) return &PROFILES[2];
    if (AT_LEAST(4, 0, 0)) return &PROFILES[3];
    if (AT_LEAST(2, 6, 35)) return &PROFILES[4];
#undef AT_LEAST
    return &PROFILES[0];
}

/* ---- Kernel arithmetic ---- */

/* roundup_pow_of_two(); 0 stays 0 (no table). */
static u32 roundup_pow_of_two(u32 n)
{
    u32 p = 1;
    if (n == 0) return 0;
    while (p < n) p <<= 1;
    return p;
}

static u32 ilog2(u32 n)
{
    u32 l = 0;
    while (n > 1) n >>= 1, l++;
    return l;
}

/* hash_32(val, bits) (include/linux/hash.h); bits 0 is the one-slot table (docs/model.md, deviations). */
static inline u32 hash_32(u32 val, u32 bits)
{
    return bits == 0 ? 0 : (u32)(val * GOLDEN_RATIO_32) >> (32 - bits);
}

/* reciprocal_scale(val, ep_ro) (include/linux/kernel.h) */
static inline u32 reciprocal_scale(u32 val, u32 ep_ro)
{
    return (u32)(((u64)val * ep_ro) >> 32);
}

/* ---- Hash maps: flow hashes, identities (socket, skb), texts ---- */

/*
 * Open addressing, linear probing, kept at most half full; each entry holds
 * what the model keeps for its key, so that a row finds it with one cache miss.
 */

/* A flow (a non-zero hash) and its first run of packets waiting for the flow's next record event. */
typedef struct {
    u32 hash;     /* 0: empty entry */
    u32 count;    /* packets in the run */
    u16 cpu;      /* where they were processed */
    u16 desired1; /* the hint's CPU + 1 on a hit, 0: no hit */
    i32 next;     /* the flow's next run in the node pool, -1: none */
} Flow;

typedef struct {
    Flow *e;
    u32 mask, count;
} FlowMap;

/* An identity (kind 1: an address, 2: a text's id; 0: empty entry) and what the model keeps for it. */
typedef struct {
    u64 value;
    u32 kind;
    union {
        struct {
            u32 state;     /* last known TCP state, 0: none */
            u32 last_hash; /* rxhash of its previous record event with one */
        } sock;
        i64 top; /* an skb's most recent undelivered packet (its ordinal), -1: none */
    } u;
} IdEntry;

typedef struct {
    IdEntry *e;
    u32 mask, count;
    i64 fresh; /* a new entry's u.top (0: a socket's state and hash unknown) */
} IdMap;

static inline u32 mix64(u64 x)
{
    return (u32)((x * 0x9E3779B97F4A7C15ull) >> 32);
}

static void flowmap_init(FlowMap *m, u32 size)
{
    m->e = xcalloc(size, sizeof *m->e);
    m->mask = size - 1;
    m->count = 0;
}

static void flowmap_grow(FlowMap *m)
{
    FlowMap bigger;
    flowmap_init(&bigger, 2 * (m->mask + 1));
    for (u32 i = 0; i <= m->mask; i++) {
        if (!m->e[i].hash) continue;
        u32 j = mix64(m->e[i].hash) & bigger.mask;
        while (bigger.e[j].hash) j = (j + 1) & bigger.mask;
        bigger.e[j] = m->e[i];
    }
    bigger.count = m->count;
    free(m->e);
    *m = bigger;
}

/* The flow of non-zero hash h, added on first sight. */
static inline Flow *flow_of(FlowMap *m, u32 h)
{
    if (2 * (m->count + 1) > m->mask) flowmap_grow(m);
    u32 i = mix64(h) & m->mask;
    for (; m->e[i].hash; i = (i + 1) & m->mask)
        if (m->e[i].hash == h) return &m->e[i];
    m->count++;
    m->e[i] = (Flow){ h, 0, 0, 0, -1 };
    return &m->e[i];
}

static void idmap_init(IdMap *m, u32 size, i64 fresh)
{
    m->e = xcalloc(size, sizeof *m->e);
    m->mask = size - 1;
    m->count = 0;
    m->fresh = fresh;
}

static inline u32 idmap_slot(u64 value, u32 kind)
{
    return mix64(value ^ ((u64)kind << 59));
}

static void idmap_grow(IdMap *m)
{
    IdMap bigger;
    idmap_init(&bigger, 2 * (m->mask + 1), m->fresh);
    for (u32 i = 0; i <= m->mask; i++) {
        if (!m->e[i].kind) continue;
        u32 j = idmap_slot(m->e[i].value, m->e[i].kind) & bigger.mask;
        while (bigger.e[j].kind) j = (j + 1) & bigger.mask;
        bigger.e[j] = m->e[i];
    }
    bigger.count = m->count;
    free(m->e);
    *m = bigger;
}

/* The entry of (kind, value), added on first sight when `insert`; NULL when absent and not added. */
static inline IdEntry *idmap_get(IdMap *m, u32 kind, u64 value, int insert)
{
    if (insert && 2 * (m->count + 1) > m->mask) idmap_grow(m);
    u32 i = idmap_slot(value, kind) & m->mask;
    for (; m->e[i].kind; i = (i + 1) & m->mask)
        if (m->e[i].kind == kind && m->e[i].value == value) return &m->e[i];
    if (!insert) return NULL;
    m->count++;
    m->e[i].kind = kind;
    m->e[i].value = value;
    m->e[i].u.top = m->fresh;
    return &m->e[i];
}

/* Texts (identities other than 0x addresses), numbered by their exact bytes. */
typedef struct {
    u32 *slot; /* text id + 1; 0 empty */
    u32 mask, count, cap;
    u64 *hash, *offset;
    u32 *length;
    char *bytes;
    size_t used, bytes_cap;
} Texts;

static u64 fnv1a(const char *s, size_t n)
{
    u64 h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (u8)s[i]) * 0x100000001b3ull;
    return h;
}

static void texts_grow_slots(Texts *t)
{
    u32 size = t->slot ? 2 * (t->mask + 1) : 1024;
    free(t->slot);
    t->slot = xcalloc(size, sizeof *t->slot);
    t->mask = size - 1;
    for (u32 id = 0; id < t->count; id++) {
        u32 i = (u32)t->hash[id] & t->mask;
        while (t->slot[i]) i = (i + 1) & t->mask;
        t->slot[i] = id + 1;
    }
}

static u32 texts_add(Texts *t, const char *s, size_t n, u64 h)
{
    if (t->count == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->hash = xrealloc(t->hash, t->cap * sizeof *t->hash);
        t->offset = xrealloc(t->offset, t->cap * sizeof *t->offset);
        t->length = xrealloc(t->length, t->cap * sizeof *t->length);
    }
    while (t->used + n > t->bytes_cap) t->bytes = xrealloc(t->bytes, t->bytes_cap = t->bytes_cap ? 2 * t->bytes_cap : 1 << 16);
    memcpy(t->bytes + t->used, s, n);
    t->hash[t->count] = h;
    t->offset[t->count] = t->used;
    t->length[t->count] = (u32)n;
    t->used += n;
    return t->count++;
}

/* The id of text s[0..n), given on first sight. */
static u32 text_id(Texts *t, const char *s, size_t n)
{
    if (!t->slot) texts_grow_slots(t);
    u64 h = fnv1a(s, n);
    u32 i = (u32)h & t->mask;
    for (; t->slot[i]; i = (i + 1) & t->mask) {
        u32 id = t->slot[i] - 1;
        if (t->hash[id] == h && t->length[id] == n && memcmp(t->bytes + t->offset[id], s, n) == 0) return id;
    }
    u32 id = texts_add(t, s, n, h);
    t->slot[i] = id + 1;
    if (2 * t->count > t->mask) texts_grow_slots(t);
    return id;
}

/* ---- Fields of a row ---- */

typedef struct {
    const char *p;
    size_t n;
    size_t column; /* 1-based byte column of the field in its line */
} Field;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Hex digit values by byte, -1 for other bytes. */
static signed char HEX[256];

static void hex_init(void)
{
    memset(HEX, -1, sizeof HEX);
    for (int d = 0; d < 10; d++) HEX['0' + d] = (signed char)d;
    for (int d = 0; d < 6; d++) HEX['a' + d] = HEX['A' + d] = (signed char)(10 + d);
}

static inline int hex_digit(char c)
{
    return HEX[(u8)c];
}

/* Decimal digits (leading zeros allowed) up to `max`. */
static u64 parse_decimal(Field f, u64 max, const char *what)
{
    u64 v = 0;
    if (f.n == 0) die_at(f.column, "%s is missing", what);
    for (size_t i = 0; i < f.n; i++) {
        if (!is_digit(f.p[i])) die_at(f.column + i, "%s: expected decimal digits", what);
        v = v * 10 + (u64)(f.p[i] - '0');
        if (v > max) die_at(f.column, "%s is out of range (at most %llu)", what, (unsigned long long)max);
    }
    return v;
}

/* rxhash: an unsigned 32-bit value, decimal or 0x hex; empty means 0. */
static u32 parse_hash(Field f)
{
    if (f.n == 0) return 0;
    if (f.n > 2 && f.p[0] == '0' && (f.p[1] | 0x20) == 'x') {
        u64 v = 0;
        for (size_t i = 2; i < f.n; i++) {
            int d = hex_digit(f.p[i]);
            if (d < 0) die_at(f.column + i, "rxhash: expected hex digits after 0x");
            v = (v << 4) | (u64)d;
            if (v > 0xffffffffu) die_at(f.column, "rxhash is above 2^32 - 1");
        }
        return (u32)v;
    }
    return (u32)parse_decimal(f, 0xffffffffu, "rxhash");
}

/* A TCP state: 1 to 12, or a name in any case with or without TCP_; empty is 0 (none given). */
static u32 parse_state(Field f)
{
    if (f.n == 0) return 0;
    if (is_digit(f.p[0])) {
        u64 v = parse_decimal(f, 1u << 20, "state");
        if (v < 1 || v > 12) die_at(f.column, "state %llu is not a TCP state (1 to 12)", (unsigned long long)v);
        return (u32)v;
    }
    const char *p = f.p;
    size_t n = f.n;
    if (n > 4 && (p[0] | 0x20) == 't' && (p[1] | 0x20) == 'c' && (p[2] | 0x20) == 'p' && p[3] == '_') p += 4, n -= 4;
    for (u32 s = 1; s <= 12; s++) {
        const char *name = TCP_STATE_NAMES[s];
        if (strlen(name) != n) continue;
        size_t i = 0;
        while (i < n && (p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i]) == name[i]) i++;
        if (i == n) return s;
    }
    die_at(f.column, "unknown TCP state '%.*s'", (int)f.n, f.p);
    return 0;
}

static int parse_event(Field f)
{
    /* The event names differ in length or in their first byte. */
    int e = -1;
    if (f.n == 6) e = f.p[0] == 'p' ? EV_PACKET : f.p[0] == 'a' ? EV_ACCEPT : EV_SPLICE;
    else if (f.n == 7) e = f.p[0] == 'r' ? EV_RECVMSG : f.p[0] == 's' ? EV_SENDMSG : EV_DELIVER;
    else if (f.n == 5) e = EV_STATE;
    if (e >= 0 && memcmp(EVENT_NAMES[e], f.p, f.n) == 0) return e;
    die_at(f.column, "unknown event '%.*s'", (int)f.n, f.p);
    return -1;
}

/*
 * An identity (socket, skb; src/ingest/id-keys.ts): `0x` and 1 to 16 hex
 * digits is an address, compared by value; any other text is compared
 * exactly. Kind 1: an address; kind 2: a text's id. Kind 0: empty.
 */
static u32 parse_identity(Field f, Texts *texts, u64 *value)
{
    if (f.n == 0) return 0;
    if (f.n > 2 && f.n <= 18 && f.p[0] == '0' && (f.p[1] | 0x20) == 'x') {
        u64 v = 0;
        size_t i = 2;
        for (; i < f.n; i++) {
            int d = hex_digit(f.p[i]);
            if (d < 0) break;
            v = (v << 4) | (u64)d;
        }
        if (i == f.n) {
            *value = v;
            return 1;
        }
    }
    *value = text_id(texts, f.p, f.n);
    return 2;
}

/* ---- The trace's header (docs/format.md, "Header lines", "Queue lines") ---- */

typedef struct {
    char name[256];
    u16 *map; /* rps_map->cpus, ascending (store_rps_map()) */
    u32 map_len;
    u32 flow_cnt;
} QueueDecl;

typedef struct {
    u32 nr_cpu_ids;
    int has_nr;
    u32 entries;
    char kernel[128];
    QueueDecl queue[MAX_QUEUES];
    u32 queues;
    int column[C_COUNT]; /* index of each known column in a row, -1 absent */
    u32 columns;         /* fields of the header row */
} Header;

/* A `rps_cpus` mask as sysfs prints it (parseHexMask() in src/ingest/v1/header.ts): CPUs ascending. */
static void parse_rps_cpus(const char *text, size_t n, QueueDecl *q)
{
    u8 bits[65536 / 8] = { 0 };
    u32 top = 0;
    /* From the last digit (least significant) up; commas separate groups of at most 8 digits. */
    u32 bit = 0, group = 0;
    int commas = memchr(text, ',', n) != NULL;
    for (size_t k = n; k-- > 0;) {
        if (text[k] == ',') {
            if (group == 0 || group > 8) die_at(1, "bad rps_cpus mask '%.*s'", (int)n, text);
            bit = (bit + 31) / 32 * 32;
            group = 0;
            continue;
        }
        int d = hex_digit(text[k]);
        if (d < 0) die_at(1, "bad rps_cpus mask '%.*s'", (int)n, text);
        if (!commas && group == 8) group = 0;
        group++;
        for (int b = 0; b < 4; b++, bit++)
            if (d & (1 << b)) {
                if (bit >= 65536) die_at(1, "rps_cpus mask too wide");
                bits[bit / 8] |= (u8)(1u << (bit % 8));
                top = bit + 1;
            }
        if (group == 8 && commas) bit = (bit + 31) / 32 * 32;
    }
    if (n == 0 || (commas && (group == 0 || group > 8))) die_at(1, "bad rps_cpus mask '%.*s'", (int)n, text);
    q->map = xcalloc(top, sizeof *q->map);
    q->map_len = 0;
    for (u32 c = 0; c < top; c++)
        if (bits[c / 8] & (1u << (c % 8))) q->map[q->map_len++] = (u16)c;
}

static u64 header_count(const char *v, size_t n, u64 max, const char *what)
{
    Field f = { v, n, 1 };
    return parse_decimal(f, max, what);
}

/* One `# key=value ...` line (after the '#'). */
static void header_pairs(Header *h, char *s, size_t n)
{
    if (!memchr(s, '=', n)) return; /* free text */
    QueueDecl *q = NULL;
    int first = 1;
    for (size_t i = 0; i < n;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
        size_t start = i;
        while (i < n && s[i] != ' ' && s[i] != '\t') i++;
        if (i == start) break;
        char *tok = s + start, *eq = memchr(tok, '=', i - start);
        if (!eq) die_at(start + 2, "expected key=value pairs");
        size_t kn = (size_t)(eq - tok), vn = i - start - kn - 1;
        const char *v = eq + 1;
        if (kn == 5 && !memcmp(tok, "queue", 5)) {
            if (!first) die_at(start + 2, "queue= must start its line");
            if (h->queues == MAX_QUEUES || vn >= sizeof q->name) die_at(start + 2, "too many queues, or a name too long");
            q = &h->queue[h->queues++];
            memcpy(q->name, v, vn);
            q->name[vn] = 0;
        } else if (kn == 8 && !memcmp(tok, "rps_cpus", 8) && q) {
            parse_rps_cpus(v, vn, q);
        } else if (kn == 12 && !memcmp(tok, "rps_flow_cnt", 12) && q) {
            q->flow_cnt = (u32)header_count(v, vn, 1u << 30, "rps_flow_cnt");
        } else if (kn == 10 && !memcmp(tok, "nr_cpu_ids", 10)) {
            h->nr_cpu_ids = (u32)header_count(v, vn, 65535, "nr_cpu_ids");
            if (h->nr_cpu_ids == 0) die_at(start + 2, "nr_cpu_ids must be 1 to 65535");
            h->has_nr = 1;
        } else if (kn == 21 && !memcmp(tok, "rps_sock_flow_entries", 21)) {
            h->entries = (u32)header_count(v, vn, 1u << 29, "rps_sock_flow_entries");
        } else if (kn == 6 && !memcmp(tok, "kernel", 6)) {
            snprintf(h->kernel, sizeof h->kernel, "%.*s", (int)vn, v);
        }
        first = 0;
    }
}

/* The header row: which field holds which column. */
static void header_row(Header *h, char *s, size_t n)
{
    for (int c = 0; c < C_COUNT; c++) h->column[c] = -1;
    u32 k = 0;
    for (size_t i = 0; i <= n; k++) {
        size_t start = i;
        while (i < n && s[i] != ',') i++;
        size_t a = start, b = i;
        while (a < b && s[a] == ' ') a++;
        while (b > a && s[b - 1] == ' ') b--;
        for (int c = 0; c < C_COUNT; c++)
            if (strlen(COLUMN_NAMES[c]) == b - a && !memcmp(COLUMN_NAMES[c], s + a, b - a)) {
                if (h->column[c] >= 0) die_at(start + 1, "column %s named twice", COLUMN_NAMES[c]);
                h->column[c] = (int)k;
            }
        if (k >= MAX_COLUMNS) die_at(start + 1, "too many columns");
        i++;
    }
    h->columns = k;
    for (int c = 0; c <= C_RXHASH; c++)
        if (h->column[c] < 0) die_at(1, "the header row has no '%s' column", COLUMN_NAMES[c]);
}

/* A trace without queue lines: one queue named 0 that maps every CPU, rps_flow_cnt = rps_sock_flow_entries. */
static void implicit_queue(Header *h)
{
    QueueDecl *q = &h->queue[0];
    h->queues = 1;
    strcpy(q->name, "0");
    q->map = xcalloc(h->nr_cpu_ids, sizeof *q->map);
    for (u32 c = 0; c < h->nr_cpu_ids; c++) q->map[c] = (u16)c;
    q->map_len = h->nr_cpu_ids;
    q->flow_cnt = h->entries;
}

/* ---- The model's state (docs/model.md) ---- */

/* One slot of rps_sock_flow_table, and the flow that last targeted it (for the metrics; the kernel keeps no owner). */
typedef struct {
    u32 ent;
    u32 owner; /* full hash, 0: none */
} SockSlot;

/* struct rps_dev_flow: cpu and last_qtail, and the hash of the last matching lookup that used it (slot_conflicts). */
typedef struct {
    u32 cpu;
    u32 last_qtail;
    u32 last_hash;
} DevFlow;

typedef struct {
    u32 slots, log; /* rps_dev_flow_table: roundup_pow_of_two(rps_flow_cnt), ilog2 */
    DevFlow *flows;
    const u16 *map; /* rps_map */
    u32 map_len;
} Queue;

/* More runs of a flow's waiting packets (the first is in its Flow entry). */
typedef Flow Run;

typedef struct {
    u64 records, records_state_skipped, records_zero_hash, writes, writes_avoided, records_no_table, evictions, deletes;
    u64 packets, lookups, hits, hits_own, hits_aliased, misses_empty, misses_collision, misses_invalid_cpu;
    u64 hits_stale, hits_unresolved, steered_rfs, steered_rps, not_steered, cross_cpu, slot_switches, ooo_holds;
    u64 slot_conflicts, local, local_unresolved, deliver_matched, deliver_unmatched, agree, rehash_clears;
} Counters;

typedef struct {
    const Profile *prof;
    u32 nr;         /* nr_cpu_ids */
    u32 cpu_mask;   /* rps_cpu_mask = roundup_pow_of_two(nr_cpu_ids) - 1 */
    u32 slots;      /* rps_sock_flow_table entries (0: RFS off) */
    SockSlot *sock;
    Queue *queue;
    u32 queues;
    u32 *head, *tail; /* softnet_data input_queue_head / input_queue_tail per CPU */
    int saw_deliver;  /* heads move with deliver rows from the first one on */
    u64 *per_cpu;
    Counters c;
    /* Pending packets per flow: the first run in the flow's entry, more in a pool. */
    FlowMap flows;
    Run *pool;
    u32 pool_used, pool_cap;
    i32 pool_free;
    /* Sockets and skbs by identity. */
    Texts texts;
    IdMap sockets, skbs;
    /* The packet window: per ordinal & PACKET_WINDOW_MASK. */
    u32 *win_cpu, *win_pos, *win_hash;
    i64 *win_below;
    /* Trace statistics. */
    u64 rows, events[EV_COUNT], time_backwards, last_ts;
} Model;

static void model_init(Model *m, const Header *h)
{
    memset(m, 0, sizeof *m);
    m->prof = profile_of_release(h->kernel);
    m->nr = h->nr_cpu_ids;
    m->cpu_mask = roundup_pow_of_two(m->nr) - 1;
    /* rps_sock_flow_sysctl(): every slot starts at RPS_NO_CPU. */
    m->slots = roundup_pow_of_two(h->entries);
    m->sock = xcalloc(m->slots, sizeof *m->sock);
    for (u32 i = 0; i < m->slots; i++) m->sock[i].ent = RPS_NO_CPU;
    m->queues = h->queues;
    m->queue = xcalloc(h->queues, sizeof *m->queue);
    for (u32 q = 0; q < h->queues; q++) {
        Queue *qu = &m->queue[q];
        const QueueDecl *d = &h->queue[q];
        for (u32 k = 0; k < d->map_len; k++)
            if (d->map[k] >= m->nr) die_at(1, "rps_cpus of queue %s names CPU %u, beyond nr_cpu_ids", d->name, d->map[k]);
        qu->map = d->map;
        qu->map_len = d->map_len;
        /* store_rps_dev_flow_table_cnt(): every entry starts with cpu = RPS_NO_CPU. */
        qu->slots = roundup_pow_of_two(d->flow_cnt);
        qu->log = qu->slots ? ilog2(qu->slots) : 0;
        qu->flows = xcalloc(qu->slots, sizeof *qu->flows);
        for (u32 i = 0; i < qu->slots; i++) qu->flows[i].cpu = RPS_NO_CPU;
    }
    m->head = xcalloc(m->nr, sizeof *m->head);
    m->tail = xcalloc(m->nr, sizeof *m->tail);
    m->per_cpu = xcalloc(m->nr, sizeof *m->per_cpu);
    flowmap_init(&m->flows, 1 << 16);
    idmap_init(&m->sockets, 1 << 16, 0);
    idmap_init(&m->skbs, 1 << 16, -1);
    m->pool_free = -1;
    m->win_cpu = xcalloc(PACKET_WINDOW, sizeof *m->win_cpu);
    m->win_pos = xcalloc(PACKET_WINDOW, sizeof *m->win_pos);
    m->win_hash = xcalloc(PACKET_WINDOW, sizeof *m->win_hash);
    m->win_below = xcalloc(PACKET_WINDOW, sizeof *m->win_below);
}

/* ---- Pending packets: locality and stale hits are decided by the flow's next record event ---- */

static i32 pool_take(Model *m)
{
    if (m->pool_free >= 0) {
        i32 n = m->pool_free;
        m->pool_free = m->pool[n].next;
        return n;
    }
    if (m->pool_used == m->pool_cap) {
        m->pool_cap = m->pool_cap ? 2 * m->pool_cap : 1 << 16;
        m->pool = xrealloc(m->pool, m->pool_cap * sizeof *m->pool);
    }
    return (i32)m->pool_used++;
}

/* One more packet of `flow`, processed on `cpu`; `desired` is the hint's CPU on a hit, else -1. */
static inline void pending_add(Model *m, Flow *r, u32 cpu, i32 desired)
{
    u16 d1 = (u16)(desired + 1);
    if (r->count == 0 || (r->cpu == cpu && r->desired1 == d1)) {
        r->cpu = (u16)cpu;
        r->desired1 = d1;
        r->count++;
        return;
    }
    if (r->next >= 0 && m->pool[r->next].cpu == cpu && m->pool[r->next].desired1 == d1) {
        m->pool[r->next].count++;
        return;
    }
    i32 n = pool_take(m);
    m->pool[n] = (Run){ .count = 1, .cpu = (u16)cpu, .desired1 = d1, .next = r->next };
    r->next = n;
}

/* A run of waiting packets whose flow's next record event ran on `cpu`. */
static inline void resolve_run(Model *m, const Run *x, u32 cpu)
{
    if (x->cpu == cpu) m->c.local += x->count;
    if (x->desired1 != 0 && x->desired1 - 1u != cpu) m->c.hits_stale += x->count;
}

/*
 * The flow's next record event ran on `cpu`: its waiting packets processed
 * there are local, its waiting hits whose hint named another CPU are stale.
 */
static void pending_resolve(Model *m, Flow *f, u32 cpu)
{
    if (f->count == 0) return;
    resolve_run(m, f, cpu);
    for (i32 n = f->next; n >= 0;) {
        resolve_run(m, &m->pool[n], cpu);
        i32 next = m->pool[n].next;
        m->pool[n].next = m->pool_free;
        m->pool_free = n;
        n = next;
    }
    f->count = 0;
    f->next = -1;
}

/* At the end: what still waits was never resolved. */
static void pending_drain(Model *m)
{
    for (u32 f = 0; f <= m->flows.mask; f++) {
        const Flow *r = &m->flows.e[f];
        if (r->count == 0) continue;
        for (const Run *x = r; x; x = x->next >= 0 ? &m->pool[x->next] : NULL) {
            m->c.local_unresolved += x->count;
            if (x->desired1 != 0) m->c.hits_unresolved += x->count;
        }
    }
}

/* ---- Socket calls: the global table (include/net/rps.h) ---- */

/* rps_reset_sock_flow() (up to 3.19): a slot back to RPS_NO_CPU; true if it held something. */
static int sock_slot_clear(Model *m, u32 h)
{
    SockSlot *s = &m->sock[h & (m->slots - 1)];
    int held = s->ent != RPS_NO_CPU;
    s->ent = RPS_NO_CPU;
    s->owner = 0;
    return held;
}

/* rps_record_sock_flow(): index = hash & mask; val = (hash & ~rps_cpu_mask) | cpu (3.19: the CPU alone). */
static void rps_record_sock_flow(Model *m, u32 h, u32 cpu)
{
    SockSlot *s = &m->sock[h & (m->slots - 1)];
    u32 val = m->prof->collision_detection ? (h & ~m->cpu_mask) | cpu : cpu;
    if (s->ent != val) {
        s->ent = val;
        m->c.writes++;
        if (s->owner != 0 && s->owner != h) m->c.evictions++;
    } else {
        m->c.writes_avoided++;
    }
    s->owner = h;
}

/*
 * recvmsg/sendmsg/accept/splice on `cpu`: sock_rps_record_flow() ->
 * sock_rps_record_flow_hash() -> rps_record_sock_flow(). `state` is the
 * socket's TCP state (the row's, else its last known); `old_hash` the rxhash
 * of its previous record event.
 */
static void record_row(Model *m, u32 h, u32 cpu, u32 state, Flow *flow, u32 old_hash)
{
    m->c.records++;
    /* The flow's next record event (in any state) resolves its waiting packets. */
    if (flow) pending_resolve(m, flow, cpu);
    /* 3.19 sock_rps_save_rxhash(): a changed rxhash first resets the old slot. */
    if (m->prof->reset_on_close_and_rehash && h != 0 && old_hash != 0 && old_hash != h && m->slots > 0)
        if (sock_slot_clear(m, old_hash)) m->c.rehash_clears++;
    /* sock_rps_record_flow(): the state is tested before the hash is even read (4.10+). */
    if (m->prof->record_only_established && state != TCP_ESTABLISHED) {
        m->c.records_state_skipped++;
        return;
    }
    /* sock_rps_record_flow_hash(): if (!hash) return; */
    if (h == 0) {
        m->c.records_zero_hash++;
        return;
    }
    if (m->slots == 0) {
        m->c.records_no_table++;
        return;
    }
    rps_record_sock_flow(m, h, cpu);
}

/*
 * A TCP state change to CLOSE: 6.16+ inet_unhash() -> sock_rps_delete_flow(),
 * except for connections that end in TIME_WAIT (from FIN_WAIT1, FIN_WAIT2,
 * CLOSING), whose full socket is already unhashed; 3.19 inet_release() ->
 * rps_reset_sock_flow() whatever the previous state.
 */
static void state_row(Model *m, u32 h, u32 state, u32 prev)
{
    if (state != TCP_CLOSE || h == 0 || m->slots == 0) return;
    int clears = 0;
    if (m->prof->delete_on_close) clears = prev != TCP_FIN_WAIT1 && prev != TCP_FIN_WAIT2 && prev != TCP_CLOSING;
    else if (m->prof->reset_on_close_and_rehash) clears = 1;
    if (clears && sock_slot_clear(m, h)) m->c.deletes++;
}

/* ---- Received packets: get_rps_cpu() (net/core/dev.c) ---- */

/* Where get_rps_cpu() sends a packet; `entry` is the rps_dev_flow it went through (NULL: not by RFS). */
typedef struct {
    u32 target;
    DevFlow *entry;
    i32 desired; /* the hint's CPU on a hit, else -1 */
} Steer;

/* rfs_slot(): hash_32(hash, flow_table->log) since 6.15, hash & mask before. */
static inline u32 rfs_slot(const Model *m, const Queue *qu, u32 h)
{
    return m->prof->hashed_queue_slot ? hash_32(h, qu->log) : h & (qu->slots - 1);
}

/*
 * The RFS part of get_rps_cpu(): the global table's hint for this hash, then
 * the queue's rps_dev_flow entry and its ordering guard (set_rps_cpu()).
 * Leaves s->entry NULL when the packet falls back to the RPS map.
 */
static void rfs_steer(Model *m, Queue *qu, u32 h, Steer *s)
{
    const SockSlot *slot = &m->sock[h & (m->slots - 1)];
    u32 ident = slot->ent, next;
    int match;
    m->c.lookups++;
    if (m->prof->collision_detection) {
        /* if ((ident ^ hash) & ~net_hotdata.rps_cpu_mask) goto try_rps; next_cpu = ident & rps_cpu_mask; */
        match = ((ident ^ h) & ~m->cpu_mask) == 0;
        next = ident & m->cpu_mask;
    } else {
        /* 3.19: next_cpu = sock_flow_table->ents[hash & mask]; RPS_NO_CPU is the only "no". */
        match = ident != RPS_NO_CPU;
        next = ident;
    }
    if (match && next < m->nr) {
        s->desired = (i32)next;
        m->c.hits++;
        if (slot->owner == h) m->c.hits_own++;
        else m->c.hits_aliased++;
    } else if (match) {
        m->c.misses_invalid_cpu++;
    } else if (slot->owner == 0) {
        m->c.misses_empty++;
    } else {
        m->c.misses_collision++;
    }
    /* 3.19 reads the queue entry even for an empty slot (next_cpu = RPS_NO_CPU). */
    if (!match && m->prof->collision_detection) return;
    DevFlow *e = &qu->flows[rfs_slot(m, qu, h)];
    if (match) {
        if (e->last_hash != 0 && e->last_hash != h) m->c.slot_conflicts++;
        e->last_hash = h;
    }
    u32 tcpu = e->cpu;
    int held = 0;
    if (tcpu != next) {
        /*
         * The ordering guard: switch only if the current CPU is unset, or its
         * backlog has passed the last packet this entry queued there:
         * (int)(per_cpu(softnet_data, tcpu).input_queue_head - rflow->last_qtail) >= 0.
         */
        if (tcpu >= m->nr || (i32)(m->head[tcpu] - e->last_qtail) >= 0) {
            /* set_rps_cpu(): rflow->last_qtail = head of next_cpu; rflow->cpu = next_cpu. */
            if (next < m->nr) {
                e->last_qtail = m->head[next];
                m->c.slot_switches++;
            }
            e->cpu = next;
            tcpu = next;
        } else {
            held = 1;
        }
    }
    if (tcpu < m->nr) {
        s->target = tcpu;
        s->entry = e;
        m->c.steered_rfs++;
        if (held) m->c.ooo_holds++;
    }
}

/* try_rps: map->cpus[reciprocal_scale(hash, map->len)]; no map: the packet stays where it arrived. */
static void rps_steer(Model *m, const Queue *qu, u32 h, Steer *s)
{
    if (qu->map_len > 0) {
        s->target = qu->map[reciprocal_scale(h, qu->map_len)];
        m->c.steered_rps++;
    } else {
        m->c.not_steered++;
    }
}

/* enqueue_to_backlog(): ++input_queue_tail on the chosen CPU, saved in rflow->last_qtail (rps_input_queue_tail_save()). */
static u32 enqueue_to_backlog(Model *m, const Steer *s)
{
    u32 pos = ++m->tail[s->target];
    if (s->entry) s->entry->last_qtail = pos;
    /* Before the trace's first deliver row every packet counts as processed at once. */
    if (!m->saw_deliver) m->head[s->target] = pos;
    m->per_cpu[s->target]++;
    return pos;
}

/* A packet row: get_rps_cpu() on arrival CPU `cpu`, queue `q`; `flow` NULL for hash 0, `skb` NULL for none. */
static void packet_row(Model *m, u32 h, u32 q, u32 cpu, Flow *flow, IdEntry *skb)
{
    Queue *qu = &m->queue[q];
    Steer s = { cpu, NULL, -1 };
    u64 ordinal = m->c.packets++;
    if (h != 0 && (qu->slots > 0 || qu->map_len > 0)) {
        if (qu->slots > 0 && m->slots > 0) rfs_steer(m, qu, h, &s);
        if (!s.entry) rps_steer(m, qu, h, &s);
    } else {
        m->c.not_steered++;
    }
    u32 pos = enqueue_to_backlog(m, &s);
    if (s.target != cpu) m->c.cross_cpu++;
    if (flow) pending_add(m, flow, s.target, s.desired);
    else m->c.local_unresolved++;
    if (skb) {
        /* On top of its skb's stack of undelivered packets, with what a deliver row needs. */
        u32 w = (u32)ordinal & PACKET_WINDOW_MASK;
        m->win_cpu[w] = s.target;
        m->win_pos[w] = pos;
        m->win_hash[w] = h;
        m->win_below[w] = skb->u.top;
        skb->u.top = (i64)ordinal;
    }
}

/* ---- Deliver rows: the kernel's own decision (net:netif_receive_skb) ---- */

/*
 * The most recent undelivered packet of this skb whose hash equals the
 * deliver row's (0 on either side matches anything), at most MATCH_DEPTH
 * down and within the window, taken off the stack; -1 if none.
 */
static i64 match_deliver(Model *m, IdEntry *skb, u32 h)
{
    i64 o = skb->u.top, above = -1;
    for (int depth = 0; o >= 0 && depth < MATCH_DEPTH; depth++) {
        if (m->c.packets - (u64)o > PACKET_WINDOW) break; /* this and everything below has left the window */
        u32 w = (u32)o & PACKET_WINDOW_MASK;
        u32 ph = m->win_hash[w];
        if (h == 0 || ph == 0 || ph == h) {
            if (above < 0) skb->u.top = m->win_below[w];
            else m->win_below[(u32)above & PACKET_WINDOW_MASK] = m->win_below[w];
            return o;
        }
        above = o;
        o = m->win_below[w];
    }
    if (o >= 0 && m->c.packets - (u64)o > PACKET_WINDOW) {
        if (above < 0) skb->u.top = -1;
        else m->win_below[(u32)above & PACKET_WINDOW_MASK] = -1;
    }
    return -1;
}

/* A deliver row on `cpu`: agreement, and process_backlog() has dequeued up to that packet on that CPU. */
static void deliver_row(Model *m, u32 cpu, IdEntry *skb, u32 h)
{
    m->saw_deliver = 1;
    i64 o = skb ? match_deliver(m, skb, h) : -1;
    if (o < 0) {
        m->c.deliver_unmatched++;
        return;
    }
    m->c.deliver_matched++;
    u32 w = (u32)o & PACKET_WINDOW_MASK;
    if (m->win_cpu[w] != cpu) return;
    m->c.agree++;
    /* Heads only move forward: rows may be lost or reordered. */
    if ((i32)(m->win_pos[w] - m->head[cpu]) > 0) m->head[cpu] = m->win_pos[w];
}

/* ---- Reading the file: lines ---- */

typedef struct {
    FILE *f;
    char *buf;
    size_t len, pos, cap;
    int eof;
} Reader;

/* The next line without its LF (and CR), NULL at the end of the file. */
static char *next_line(Reader *r, size_t *n)
{
    for (;;) {
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', r->len - r->pos);
        if (nl || (r->eof && r->pos < r->len)) {
            char *end = nl ? nl : r->buf + r->len;
            r->pos = (size_t)(end - r->buf) + (nl ? 1 : 0);
            g_line++;
            if (end > start && end[-1] == '\r') end--;
            *n = (size_t)(end - start);
            if (*n > MAX_LINE) die_at(1, "line longer than 1 MiB");
            return start;
        }
        if (r->eof) return NULL;
        /* Keep the partial line, refill behind it. */
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
        if (r->len > MAX_LINE + 2) {
            g_line++;
            die_at(1, "line longer than 1 MiB");
        }
        size_t got = fread(r->buf + r->len, 1, r->cap - r->len, r->f);
        r->len += got;
        if (got == 0) r->eof = 1;
    }
}

/* The fields of a row (no quoting in this reader); returns their number. */
static u32 split_fields(const char *s, size_t n, Field *f, u32 max)
{
    u32 k = 0;
    size_t start = 0;
    for (size_t i = 0;; i++) {
        if (i == n || s[i] == ',') {
            if (k == max) die_at(start + 1, "more fields than the header row names, and not empty");
            f[k++] = (Field){ s + start, i - start, start + 1 };
            if (i == n) return k;
            start = i + 1;
        } else if (s[i] == '"') {
            die_at(i + 1, "quoted fields are not read by this reference");
        }
    }
}

/* Rows holding only commas, spaces and tabs are skipped. */
static int blank_row(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ',' && s[i] != ' ' && s[i] != '\t') return 0;
    return 1;
}

/* ---- Queue names of rows ---- */

typedef struct {
    u32 *slot; /* queue + 1, 0 empty */
    u32 mask;
} QueueIndex;

static u32 name_hash(const char *s, size_t n)
{
    return (u32)fnv1a(s, n);
}

static void queue_index_init(QueueIndex *x, const Header *h)
{
    u32 size = roundup_pow_of_two(4 * h->queues);
    x->slot = xcalloc(size, sizeof *x->slot);
    x->mask = size - 1;
    for (u32 q = 0; q < h->queues; q++) {
        u32 i = name_hash(h->queue[q].name, strlen(h->queue[q].name)) & x->mask;
        while (x->slot[i]) {
            if (!strcmp(h->queue[x->slot[i] - 1].name, h->queue[q].name)) break; /* declared twice */
            i = (i + 1) & x->mask;
        }
        if (!x->slot[i]) x->slot[i] = q + 1;
    }
}

/* A row's queue: empty is the first queue. */
static u32 queue_of(const QueueIndex *x, const Header *h, Field f)
{
    if (f.n == 0) return 0;
    for (u32 i = name_hash(f.p, f.n) & x->mask; x->slot[i]; i = (i + 1) & x->mask) {
        const char *name = h->queue[x->slot[i] - 1].name;
        if (strlen(name) == f.n && !memcmp(name, f.p, f.n)) return x->slot[i] - 1;
    }
    die_at(f.column, "queue '%.*s' is not declared in a # queue= line", (int)f.n, f.p);
    return 0;
}

/* ---- One row ---- */

static u32 parse_cpu(const Model *m, Field f)
{
    u64 cpu = parse_decimal(f, 1u << 20, "cpu");
    if (cpu >= m->nr) die_at(f.column, "cpu %llu is out of range: nr_cpu_ids is %u", (unsigned long long)cpu, m->nr);
    return (u32)cpu;
}

/* A row, parsed and checked. */
typedef struct {
    u64 ts, socket, skb; /* identities: values of kind socket_kind, skb_kind (0: none) */
    u32 hash, cpu, queue, state;
    u8 event, socket_kind, skb_kind;
} Row;

static void parse_row(const Model *m, const Header *h, const QueueIndex *qx, const Field *f[C_COUNT], Texts *texts, Row *r)
{
    r->event = (u8)parse_event(*f[C_EVENT]);
    r->ts = parse_decimal(*f[C_TS], (1ull << 53) - 1, "ts");
    r->hash = parse_hash(*f[C_RXHASH]);
    r->state = parse_state(*f[C_STATE]);
    r->socket_kind = r->skb_kind = 0;
    r->cpu = r->event != EV_STATE || f[C_CPU]->n ? parse_cpu(m, *f[C_CPU]) : 0;
    if (r->event == EV_PACKET || r->event == EV_DELIVER) {
        r->queue = r->event == EV_PACKET ? queue_of(qx, h, *f[C_QUEUE]) : 0;
        r->skb_kind = (u8)parse_identity(*f[C_SKB], texts, &r->skb);
        return;
    }
    r->socket_kind = (u8)parse_identity(*f[C_SOCKET], texts, &r->socket);
    if (!r->socket_kind) die_at(f[C_SOCKET]->column, "socket is missing");
    if (r->event == EV_STATE && !r->state) die_at(f[C_STATE]->column, "state is missing");
}

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* The table entries a row will read, asked for ahead, so that the cache misses of a batch's rows overlap. */
static void prefetch_row(const Model *m, const Row *r)
{
    if (r->hash && r->event != EV_STATE && r->event != EV_DELIVER) PREFETCH(&m->flows.e[mix64(r->hash) & m->flows.mask]);
    if (r->hash && m->slots) PREFETCH(&m->sock[r->hash & (m->slots - 1)]);
    if (r->socket_kind) PREFETCH(&m->sockets.e[idmap_slot(r->socket, r->socket_kind) & m->sockets.mask]);
}

static void replay_row(Model *m, const Row *r)
{
    m->rows++;
    m->events[r->event]++;
    if (r->ts < m->last_ts) m->time_backwards++;
    m->last_ts = r->ts;
    if (r->event == EV_PACKET) {
        Flow *flow = r->hash ? flow_of(&m->flows, r->hash) : NULL;
        packet_row(m, r->hash, r->queue, r->cpu, flow, r->skb_kind ? idmap_get(&m->skbs, r->skb_kind, r->skb, 1) : NULL);
        return;
    }
    if (r->event == EV_DELIVER) {
        deliver_row(m, r->cpu, r->skb_kind ? idmap_get(&m->skbs, r->skb_kind, r->skb, 0) : NULL, r->hash);
        return;
    }
    IdEntry *sk = idmap_get(&m->sockets, r->socket_kind, r->socket, 1);
    if (r->event == EV_STATE) {
        u32 prev = sk->u.sock.state;
        sk->u.sock.state = r->state;
        state_row(m, r->hash, r->state, prev);
        return;
    }
    /* A record event: the row's state, else the socket's last known one. */
    u32 known = r->state ? r->state : sk->u.sock.state;
    if (r->state) sk->u.sock.state = r->state;
    u32 old_hash = sk->u.sock.last_hash;
    if (r->hash) sk->u.sock.last_hash = r->hash;
    Flow *flow = r->hash ? flow_of(&m->flows, r->hash) : NULL;
    record_row(m, r->hash, r->cpu, known, flow, old_hash);
}

/* ---- Output: the counters, named as in `replay --json` (src/types/metrics.ts) ---- */

static void print_json(const Model *m)
{
    const Counters *c = &m->c;
    printf("{\n  \"config\": {\"nr_cpu_ids\": %u, \"entries_effective\": %u, \"kernel\": \"%s\", \"queues\": %u},\n", m->nr,
           m->slots, m->prof->name, m->queues);
    printf("  \"trace\": {\"rows\": %llu, \"time_backwards\": %llu, \"distinct_flows\": %u, \"distinct_sockets\": %u, "
           "\"packets_undelivered\": %llu, \"deliver_unmatched\": %llu, \"events\": {",
           (unsigned long long)m->rows, (unsigned long long)m->time_backwards, m->flows.count, m->sockets.count,
           (unsigned long long)(m->saw_deliver ? c->packets - c->deliver_matched : 0), (unsigned long long)c->deliver_unmatched);
    for (int e = 0; e < EV_COUNT; e++) printf("%s\"%s\": %llu", e ? ", " : "", EVENT_NAMES[e], (unsigned long long)m->events[e]);
    printf("}},\n  \"metrics\": {\n");
#define C(name) printf("    \"%s\": %llu,\n", #name, (unsigned long long)c->name)
    C(records); C(records_state_skipped); C(records_zero_hash); C(writes); C(writes_avoided); C(records_no_table);
    C(evictions); C(deletes); C(packets); C(lookups); C(hits); C(hits_own); C(hits_aliased); C(misses_empty);
    C(misses_collision); C(misses_invalid_cpu); C(hits_stale); C(hits_unresolved); C(steered_rfs); C(steered_rps);
    C(not_steered); C(cross_cpu); C(slot_switches); C(ooo_holds); C(slot_conflicts); C(local); C(local_unresolved);
    C(deliver_matched); C(deliver_unmatched); C(agree); C(rehash_clears);
#undef C
    printf("    \"per_cpu\": [");
    for (u32 k = 0; k < m->nr; k++) printf("%s%llu", k ? ", " : "", (unsigned long long)m->per_cpu[k]);
    printf("]\n  }\n}\n");
}

/* ---- The trace: magic line, header lines, header row, rows ---- */

static void read_header(Reader *r, Header *h)
{
    size_t n;
    char *s = next_line(r, &n);
    if (!s) die_at(1, "empty file: expected '# rfs-trace v1'");
    if (n >= 3 && (u8)s[0] == 0xef && (u8)s[1] == 0xbb && (u8)s[2] == 0xbf) s += 3, n -= 3;
    char magic[64];
    snprintf(magic, sizeof magic, "%.*s", (int)(n < 63 ? n : 63), s);
    char version[16];
    if (sscanf(magic, " # rfs-trace v%15s", version) != 1 && sscanf(magic, " #rfs-trace v%15s", version) != 1)
        die_at(1, "expected the magic line '# rfs-trace v1'");
    if (strcmp(version, "1") != 0) die_at(1, "unknown trace format version '%s'", version);
    for (;;) {
        s = next_line(r, &n);
        if (!s) die_at(1, "no header row: expected a line naming the columns");
        if (n == 0) continue;
        if (s[0] == '#') {
            header_pairs(h, s + 1, n - 1);
            continue;
        }
        header_row(h, s, n);
        break;
    }
    if (!h->has_nr) die_at(1, "the header has no nr_cpu_ids");
    if (h->queues == 0) implicit_queue(h);
}

/* Rows in batches: parsed, their table entries prefetched, then replayed in order. */
#define BATCH 32

static void replay_rows(Reader *r, Model *m, const Header *h)
{
    QueueIndex qx;
    queue_index_init(&qx, h);
    Field *fields = xcalloc(h->columns + 1, sizeof *fields);
    Field empty = { "", 0, 1 };
    const Field *f[C_COUNT];
    Row batch[BATCH];
    u32 rows = 0;
    size_t n;
    char *s;
    for (int more = 1; more;) {
        s = next_line(r, &n);
        more = s != NULL;
        if (s && (n == 0 || ((s[0] == ',' || s[0] == ' ' || s[0] == '\t') && blank_row(s, n)))) continue;
        if (s) {
            if (s[0] == '#') die_at(1, "a # line after the header row");
            u32 k = split_fields(s, n, fields, MAX_COLUMNS);
            for (u32 i = h->columns; i < k; i++)
                if (fields[i].n) die_at(fields[i].column, "more fields than the header row names, and not empty");
            for (int c = 0; c < C_COUNT; c++) f[c] = h->column[c] >= 0 && (u32)h->column[c] < k ? &fields[h->column[c]] : &empty;
            parse_row(m, h, &qx, f, &m->texts, &batch[rows]);
            prefetch_row(m, &batch[rows]);
            rows++;
        }
        if (rows == BATCH || (!s && rows)) {
            for (u32 i = 0; i < rows; i++) replay_row(m, &batch[i]);
            rows = 0;
        }
    }
    if (m->rows == 0) die_at(1, "a header but no rows");
    free(fields);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: replay-ref TRACE.csv (format v1, plain text)\n");
        return 2;
    }
    g_file = argv[1];
    hex_init();
    Reader r = { .f = fopen(argv[1], "rb") };
    if (!r.f) {
        perror(argv[1]);
        return 2;
    }
    r.cap = 8u << 20;
    r.buf = xcalloc(r.cap + 1, 1);
    r.len = fread(r.buf, 1, r.cap, r.f);
    if (r.len >= 2 && (u8)r.buf[0] == 0x1f && (u8)r.buf[1] == 0x8b) die_at(1, "gzip input: decompress it first (this reference reads plain text)");
    static Header h;
    read_header(&r, &h);
    static Model m;
    model_init(&m, &h);
    replay_rows(&r, &m, &h);
    pending_drain(&m);
    print_json(&m);
    return 0;
}

/* ast.c — AST arena, node construction, keyword lookup and the stable debug
 * dump used by the parser tests. */
#include "ast.h"
#include "unicode_id.h"
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

/* ===================================================================== */
/* Arena                                                                 */
/* ===================================================================== */

/* A bump allocator over a chain of chunks. Invariants: every chunk's `used`
 * is <= its `size`; allocations are 16-byte aligned and zeroed; nothing is
 * freed before ast_arena_free, which frees every chunk. */
typedef struct Chunk {
    struct Chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} Chunk;

struct AstArena {
    Chunk *head;
};

#define CHUNK_SIZE (64 * 1024)

AstArena *ast_arena_new(void) {
    AstArena *a = calloc(1, sizeof *a);
    if (!a) { fprintf(stderr, "act: out of memory\n"); abort(); }
    return a;
}

void ast_arena_free(AstArena *a) {
    if (!a) return;
    Chunk *c = a->head;
    while (c) {
        Chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void *ast_alloc(AstArena *a, size_t bytes) {
    bytes = (bytes + 15) & ~(size_t)15;
    Chunk *c = a->head;
    if (!c || c->size - c->used < bytes) {
        size_t sz = bytes > CHUNK_SIZE / 4 ? bytes : CHUNK_SIZE;
        Chunk *n = malloc(sizeof(Chunk) + sz);
        if (!n) { fprintf(stderr, "act: out of memory\n"); abort(); }
        n->size = sz;
        n->used = 0;
        if (c && sz != CHUNK_SIZE) {
            /* a big one-off block: keep the current chunk at the head */
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            a->head = n;
        }
        c = n;
    }
    void *p = c->data + c->used;
    c->used += bytes;
    memset(p, 0, bytes);
    return p;
}

Node *ast_node(AstArena *a, NodeKind kind, int line, int col) {
    Node *n = ast_alloc(a, sizeof *n);
    n->kind = kind;
    n->line = line;
    n->col = col;
    return n;
}

/* kids has capacity for the next power of two >= nkids (or 0 when empty). */
void ast_push(AstArena *a, Node *parent, Node *kid) {
    size_t n = parent->nkids;
    if (n == 0 || (n & (n - 1)) == 0) {
        size_t cap = n ? n * 2 : 2;
        Node **k = ast_alloc(a, cap * sizeof(Node *));
        if (n) memcpy(k, parent->kids, n * sizeof(Node *));
        parent->kids = k;
    }
    parent->kids[parent->nkids++] = kid;
}

const char *ast_strdup(AstArena *a, const char *s, size_t len) {
    char *d = ast_alloc(a, len + 1);
    if (len) memcpy(d, s, len);
    d[len] = 0;
    return d;
}

Node *ast_kw_get(const Node *kw, const char *name) {
    if (!kw || kw->kind != N_LIST) return NULL;
    for (size_t i = 0; i < kw->nkids; i++) {
        const Node *t = kw->kids[i];
        if (t->kind == N_TUPLE && t->nkids == 2 && t->kids[0]->kind == N_ATOM &&
            strcmp(t->kids[0]->name, name) == 0)
            return t->kids[1];
    }
    return NULL;
}

/* ===================================================================== */
/* Dump                                                                  */
/*                                                                       */
/* Literals print as Elixir writes them (42, 1.5, :ok, "a\n", [1, 2 | t],  */
/* {a, b}, %{k => v}, [a: 1]); every other node prints as an s-expression  */
/* (kind-or-operator children...), e.g. (+ a 1), (call f x), (-> [x] x).   */
/* ===================================================================== */

static void dump_bytes(const char *s, size_t len, char q, FILE *out) {
    fputc(q, out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        case '\\': fputs("\\\\", out); break;
        case 27: fputs("\\e", out); break;
        case 0: fputs("\\0", out); break;
        default:
            if (c == (unsigned char)q) { fputc('\\', out); fputc(q, out); }
            else if (c == '#' && i + 1 < len && s[i + 1] == '{') fputs("\\#", out);
            else if (c < 0x20 || c == 0x7f) fprintf(out, "\\x%02X", c);
            else fputc(c, out);
        }
    }
    fputc(q, out);
}

/* Length of the identifier character starting at s (ASCII or a non-ASCII
 * code point of at least class `min`, see unicode_id.h), or 0. */
static size_t ident_char(const char *s, bool first) {
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (!first && ((c >= '0' && c <= '9') || c == '@'));
        return ok ? 1 : 0;
    }
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0) return 0;
    uint32_t cp = c & (n == 2 ? 0x1Fu : n == 3 ? 0x0Fu : 0x07u);
    for (size_t i = 1; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | ((unsigned char)s[i] & 0x3Fu);
    }
    int k = unicode_id_kind(cp);
    return k >= (first ? UNICODE_ID_START : UNICODE_ID_CONTINUE) ? n : 0;
}

/* Can the atom be written without quotes (`:ok`, `:é`, `:a@b`, `:ok?`)? */
static bool plain_atom(const char *s) {
    size_t n = ident_char(s, true);
    if (n == 0) return false;
    for (size_t i = n; s[i]; i += n) {
        if ((s[i] == '?' || s[i] == '!') && s[i + 1] == 0) return true;
        n = ident_char(s + i, false);
        if (n == 0) return false;
    }
    return true;
}

static void dump_kids(const Node *n, size_t from, FILE *out) {
    for (size_t i = from; i < n->nkids; i++) {
        fputc(' ', out);
        ast_dump(n->kids[i], out);
    }
}

/* A list of {atom, value} pairs prints as a keyword list, however it was
 * written (as Elixir's inspect does); NF_KW is not shown. */
static bool all_pairs(const Node *n) {
    if (n->kind != N_LIST || n->nkids == 0 || n->tail) return false;
    for (size_t i = 0; i < n->nkids; i++) {
        const Node *k = n->kids[i];
        if (k->kind != N_TUPLE || k->nkids != 2 || k->kids[0]->kind != N_ATOM) return false;
    }
    return true;
}

static void dump_seq(const Node *n, FILE *out, bool kw) {
    for (size_t i = 0; i < n->nkids; i++) {
        if (i) fputs(", ", out);
        const Node *k = n->kids[i];
        if (kw && k->kind == N_TUPLE && k->nkids == 2 && k->kids[0]->kind == N_ATOM) {
            if (plain_atom(k->kids[0]->name)) fprintf(out, "%s: ", k->kids[0]->name);
            else { dump_bytes(k->kids[0]->name, strlen(k->kids[0]->name), '"', out); fputs(": ", out); }
            ast_dump(k->kids[1], out);
        } else {
            ast_dump(k, out);
        }
    }
}

static void dump_pairs(const Node *n, FILE *out) {
    for (size_t i = 0; i < n->nkids; i++) {
        if (i) fputs(", ", out);
        const Node *k = n->kids[i];
        if (k->kind == N_TUPLE && k->nkids == 2) {
            ast_dump(k->kids[0], out);
            fputs(" => ", out);
            ast_dump(k->kids[1], out);
        } else {
            ast_dump(k, out);
        }
    }
}

void ast_dump(const Node *n, FILE *out) {
    if (!n) { fputs("<null>", out); return; }
    switch (n->kind) {
    case N_INT:
        if (n->flags & NF_BIGINT) fputs(n->name, out);
        else fprintf(out, "%" PRId64, n->ival);
        break;
    case N_FLOAT: {
        /* exact and stable: 1.5000000000000000e+00 */
        fprintf(out, "%.16e", n->fval);
        break;
    }
    case N_ATOM:
        if (!strcmp(n->name, "true") || !strcmp(n->name, "false") || !strcmp(n->name, "nil")) {
            fputs(n->name, out);
            break;
        }
        fputc(':', out);
        if (plain_atom(n->name)) fputs(n->name, out);
        else dump_bytes(n->name, strlen(n->name), '"', out);
        break;
    case N_STRING: dump_bytes(n->str, n->len, '"', out); break;
    case N_INTERP: fputs("(interp", out); dump_kids(n, 0, out); fputc(')', out); break;
    case N_VAR: fputs(n->name, out); break;
    case N_ALIAS: fputs(n->name, out); break;
    case N_LIST:
        fputc('[', out);
        dump_seq(n, out, all_pairs(n));
        if (n->tail) { fputs(" | ", out); ast_dump(n->tail, out); }
        fputc(']', out);
        break;
    case N_TUPLE: fputc('{', out); dump_seq(n, out, false); fputc('}', out); break;
    case N_MAP:
        fputs("%{", out);
        if (n->update) { ast_dump(n->update, out); fputs(" | ", out); }
        dump_pairs(n, out);
        fputc('}', out);
        break;
    case N_STRUCT:
        fputc('%', out);
        if (n->nkids == 2) {
            ast_dump(n->kids[0], out);
            const Node *m = n->kids[1];
            fputc('{', out);
            if (m->update) { ast_dump(m->update, out); fputs(" | ", out); }
            dump_pairs(m, out);
            fputc('}', out);
        }
        break;
    case N_BINARY: fputs("<<", out); dump_seq(n, out, false); fputs(">>", out); break;
    case N_UNOP:
    case N_BINOP: fprintf(out, "(%s", n->name); dump_kids(n, 0, out); fputc(')', out); break;
    case N_WHEN: fputs("(when", out); dump_kids(n, 0, out); fputc(')', out); break;
    case N_CALL:
        fprintf(out, "(%s %s", (n->flags & NF_PARENS) ? "call" : "call-np", n->name);
        dump_kids(n, 0, out);
        fputc(')', out);
        break;
    case N_REMOTE:
        fputs("(remote ", out);
        ast_dump(n->kids[0], out);
        fprintf(out, " %s", n->name);
        dump_kids(n, 1, out);
        fputc(')', out);
        break;
    case N_DOTCALL: fputs("(dotcall", out); dump_kids(n, 0, out); fputc(')', out); break;
    case N_FIELD: fputs("(field ", out); ast_dump(n->kids[0], out); fprintf(out, " %s)", n->name); break;
    case N_ACCESS: fputs("(access", out); dump_kids(n, 0, out); fputc(')', out); break;
    case N_FN: fputs("(fn", out); dump_kids(n, 0, out); fputc(')', out); break;
    case N_CLAUSE: {
        /* the argument list is never shown as keywords: fn {:a, x} -> */
        const Node *h = n->nkids ? n->kids[0] : NULL;
        const Node *args = h && h->kind == N_WHEN ? h->kids[0] : h;
        fputs("(-> ", out);
        if (h && h->kind == N_WHEN) fputs("(when ", out);
        if (args && args->kind == N_LIST) {
            fputc('[', out);
            dump_seq(args, out, false);
            fputc(']', out);
        } else {
            ast_dump(args, out);
        }
        if (h && h->kind == N_WHEN) { fputc(' ', out); ast_dump(h->kids[1], out); fputc(')', out); }
        dump_kids(n, 1, out);
        fputc(')', out);
        break;
    }
    case N_STAB: fputs("(stab", out); dump_kids(n, 0, out); fputc(')', out); break;
    case N_BLOCK: fputs("(block", out); dump_kids(n, 0, out); fputc(')', out); break;
    case N_ATTR: fprintf(out, "(@ %s", n->name); dump_kids(n, 0, out); fputc(')', out); break;
    case N_CAPTURE: fputs("(&", out); dump_kids(n, 0, out); fputc(')', out); break;
    case N_CAPTURE_ARG: fprintf(out, "&%" PRId64, n->ival); break;
    case N_MODULE_REF: fputs("__MODULE__", out); break;
    case N_RANGE: fputs(n->nkids == 3 ? "(..//" : "(..", out); dump_kids(n, 0, out); fputc(')', out); break;
    }
}

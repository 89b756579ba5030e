/* test_loader.c — the serialized module format: round trips of compiled
 * modules, the verifier's checks on hand-built modules, hand-crafted images,
 * and fuzzing (every truncation, random byte flips, random bytes). Run it
 * under ASan/UBSan (meson setup -Db_sanitize=address,undefined) to catch any
 * out-of-bounds read. */
#include <stdlib.h>
#include "unit.h"
#include "module.h"
#include "heap.h"
#include "atom.h"
#include "opinfo.h"
#include "compiler.h"
#include "map.h"

static const char *SAMPLE =
    "defmodule Sample do\n"
    "  @moduledoc \"A sample.\"\n"
    "  @k {1, :two, \"three\", [4.5, -6], 123456789012345678901234567890}\n"
    "  @doc \"Returns a constant.\"\n"
    "  def k, do: @k\n"
    "  def m, do: {%{\"b\" => [2.5], :a => 1, :c => %{}}, 1..10, -3..-1//2}\n"
    "  def neg, do: -98765432109876543210\n"
    "  def f(x, y \\\\ 2) when is_integer(x), do: x + y\n"
    "  def f(_, _), do: :no\n"
    "  def g(l), do: Enum.map(l, fn v -> v + 1 end)\n"
    "  def h, do: &Enum.map/2\n"
    "  def t(x) do\n"
    "    try do\n"
    "      case x do\n"
    "        {:ok, v} -> v\n"
    "        [a | _] -> a\n"
    "      end\n"
    "    rescue\n"
    "      e in ArgumentError -> e\n"
    "    catch\n"
    "      :exit, r -> r\n"
    "    after\n"
    "      :ok\n"
    "    end\n"
    "  end\n"
    "  defp p(\"pre\" <> rest), do: rest\n"
    "  def q(s), do: p(s)\n"
    "end\n"
    "IO.puts(\"x#{Sample.k()}\")\n";

static Module *compile_one(const char *src, Module **script) {
    CompileResult r;
    Diag d = {0};
    if (!compile_source("sample.act", src, strlen(src), &r, &d)) {
        diag_print(&d, src, strlen(src), stderr);
        return NULL;
    }
    Module *m = r.nmodules ? r.modules[0] : NULL;
    for (size_t i = 1; i < r.nmodules; i++) module_free(r.modules[i]);
    free(r.modules);
    if (script) *script = r.script;
    else if (r.script) module_free(r.script);
    return m;
}

static bool serialize(const Module *m, ByteBuf *b) {
    memset(b, 0, sizeof *b);
    return module_serialize(m, b);
}

static void test_round_trip(void) {
    Module *script = NULL;
    Module *m = compile_one(SAMPLE, &script);
    REQUIRE(m != NULL);
    char err[256];
    CHECK(module_verify(m, err, sizeof err));
    ByteBuf a, b;
    REQUIRE(serialize(m, &a));
    CHECK_EQ_MEM(a.data, MODULE_MAGIC, 4);
    Module *l = module_load(a.data, a.len, err, sizeof err);
    if (!l) fprintf(stderr, "load error: %s\n", err);
    REQUIRE(l != NULL);
    /* Same structure... */
    CHECK_EQ_UINT(l->name, m->name);
    CHECK_EQ_STR(l->file, "sample.act");
    CHECK_EQ_UINT(l->nfuncs, m->nfuncs);
    CHECK_EQ_UINT(l->nliterals, m->nliterals);
    CHECK_EQ_UINT(l->nimports, m->nimports);
    CHECK_EQ_UINT(l->nlambdas, m->nlambdas);
    CHECK_EQ_UINT(l->ndocs, m->ndocs);
    CHECK(l->ndocs == 2 && strcmp(l->docs[0].text, "A sample.") == 0 && l->docs[0].name == ATOM_nil);
    for (uint32_t i = 0; i < m->nfuncs && i < l->nfuncs; i++) {
        CHECK_EQ_UINT(l->funcs[i].name, m->funcs[i].name);
        CHECK_EQ_UINT(l->funcs[i].code_len, m->funcs[i].code_len);
        CHECK_EQ_MEM(l->funcs[i].code, m->funcs[i].code, m->funcs[i].code_len * 4);
        CHECK_EQ_UINT(l->funcs[i].nlines, m->funcs[i].nlines);
    }
    for (uint32_t i = 0; i < l->nlambdas; i++) CHECK(l->lambdas[i].module == l);
    /* ...and the same bytes when written again. */
    REQUIRE(serialize(l, &b));
    CHECK_EQ_UINT(a.len, b.len);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    /* The literal tuple survived exactly. */
    bool found = false;
    for (uint32_t i = 0; i < l->nliterals; i++) {
        Term t = l->literals[i];
        if (is_tuple(t) && tuple_arity(t) == 5) {
            found = true;
            CHECK(tuple_elems(t)[0] == make_small(1));
            CHECK(is_bignum(tuple_elems(t)[4]));
            Term lst = tuple_elems(t)[3];
            CHECK(is_cons(lst) && is_float(CAR(lst)) && float_val(CAR(lst)) == 4.5);
        }
    }
    CHECK(found);
    /* The literal maps (a range is one) survived with their sizes. */
    int maps = 0;
    for (uint32_t i = 0; i < l->nliterals; i++) {
        Term t = l->literals[i];
        if (is_tuple(t) && tuple_arity(t) == 3 && is_map(tuple_elems(t)[0])) {
            maps++;
            CHECK_EQ_UINT(map_size(tuple_elems(t)[0]), 3);
            CHECK(is_map(tuple_elems(t)[1]) && map_size(tuple_elems(t)[1]) == 4);
            CHECK(map_get(tuple_elems(t)[2], atom_intern_cstr("step")) == make_small(2));
        }
    }
    CHECK_EQ_INT(maps, 1);
    if (script) {
        ByteBuf s;
        CHECK(serialize(script, &s));
        Module *ls = module_load(s.data, s.len, err, sizeof err);
        CHECK(ls != NULL);
        module_free(ls);
        free(s.data);
        module_free(script);
    }
    free(a.data);
    free(b.data);
    module_free(l);
    module_free(m);
}

/* ---- hand-built modules for the verifier ---- */

static Module *tiny(const uint32_t *code, uint32_t len, uint32_t arity, uint32_t nregs) {
    Module *m = calloc(1, sizeof *m);
    m->name = atom_intern_cstr("Elixir.Tiny");
    m->file = strdup("tiny.act");
    m->lit = calloc(1, sizeof(Process));
    heap_init(m->lit, 64);
    m->nliterals = 1;
    m->literals = malloc(sizeof(Term));
    m->literals[0] = ATOM_ok;
    m->nfuncs = 1;
    m->funcs = calloc(1, sizeof(Function));
    m->funcs[0].name = atom_intern_cstr("f");
    m->funcs[0].arity = arity;
    m->funcs[0].nregs = nregs;
    m->funcs[0].code = malloc(len * 4);
    memcpy(m->funcs[0].code, code, len * 4);
    m->funcs[0].code_len = len;
    m->funcs[0].exported = true;
    return m;
}

static bool verifies(const uint32_t *code, uint32_t len, uint32_t arity, uint32_t nregs, const char *expect) {
    Module *m = tiny(code, len, arity, nregs);
    char err[256];
    bool ok = module_verify(m, err, sizeof err);
    if (!ok && expect && !strstr(err, expect)) {
        fprintf(stderr, "unexpected verifier message: %s (wanted %s)\n", err, expect);
        ok = true; /* make the CHECK fail */
    }
    /* Whatever verifies must also survive a serialize/load round trip. */
    if (ok) {
        ByteBuf b;
        if (!serialize(m, &b)) ok = false;
        Module *l = ok ? module_load(b.data, b.len, err, sizeof err) : NULL;
        if (!l) ok = false;
        module_free(l);
        free(b.data);
    }
    module_free(m);
    return ok;
}

static void test_verifier(void) {
    uint32_t good[] = { OPC_LOADK, 0, 0, OPC_RET, 0 };
    CHECK(verifies(good, 5, 0, 1, NULL));
    uint32_t badreg[] = { OPC_LOADK, 1, 0, OPC_RET, 0 };
    CHECK(!verifies(badreg, 5, 0, 1, "out of range"));
    uint32_t badlit[] = { OPC_LOADK, 0, 7, OPC_RET, 0 };
    CHECK(!verifies(badlit, 5, 0, 1, "(k)"));
    uint32_t midjump[] = { OPC_JUMP, 4, OPC_LOADK, 0, 0, OPC_RET, 0 };
    CHECK(!verifies(midjump, 7, 0, 1, "(j)"));
    uint32_t okjump[] = { OPC_JUMP, 2, OPC_LOADK, 0, 0, OPC_RET, 0 };
    CHECK(verifies(okjump, 7, 0, 1, NULL));
    uint32_t farjump[] = { OPC_JUMP, 100 };
    CHECK(!verifies(farjump, 2, 0, 1, "(j)"));
    uint32_t falls[] = { OPC_LOADK, 0, 0 };
    CHECK(!verifies(falls, 3, 0, 1, "falls off"));
    uint32_t trunc[] = { OPC_LOADK, 0 };
    CHECK(!verifies(trunc, 2, 0, 1, "truncated"));
    uint32_t badop[] = { OPC__COUNT, OPC_RET, 0 };
    CHECK(!verifies(badop, 3, 0, 1, "bad opcode"));
    CHECK(!verifies(good, 5, 2, 1, "nregs"));
    uint32_t tup[] = { OPC_TUPLE, 0, 0, 3, OPC_RET, 0 };
    CHECK(!verifies(tup, 6, 0, 2, "registers up to"));
    CHECK(verifies(tup, 6, 0, 3, NULL));
    uint32_t mapnew[] = { OPC_MAP_NEW, 0, 0, 0xFFFFFFFFu, OPC_RET, 0 };
    CHECK(!verifies(mapnew, 6, 0, 4, "registers up to"));
    uint32_t callx[] = { OPC_TRY, 0, 0 };
    CHECK(!verifies(callx, 3, 0, 2, NULL));
    uint32_t bc[] = { OPC_BOOL_CHECK, 2, 0, OPC_RET, 0 };
    CHECK(!verifies(bc, 5, 0, 1, "BOOL_CHECK"));
    uint32_t local[] = { OPC_TCALL, 0, 1 };
    CHECK(!verifies(local, 3, 0, 1, "(f)"));
    uint32_t self_tail[] = { OPC_TCALL, 0, 0 };
    CHECK(verifies(self_tail, 3, 1, 1, NULL));
    CHECK(!verifies(self_tail, 3, 1, 0, NULL));
    /* Compare-with-immediate tests: r checked, i any 32 bits, j at an instruction. */
    uint32_t cmpi[] = { OPC_TEST_LTI, 0, 0x80000000u, 6, OPC_RET, 0, OPC_RET, 0 };
    CHECK(verifies(cmpi, 8, 1, 1, NULL));
    cmpi[0] = OPC_TEST_GEI; cmpi[2] = 0x7FFFFFFFu;
    CHECK(verifies(cmpi, 8, 1, 1, NULL));
    cmpi[1] = 1;
    CHECK(!verifies(cmpi, 8, 1, 1, "out of range"));
    cmpi[0] = OPC_TEST_EQI; cmpi[1] = 0; cmpi[3] = 4;
    CHECK(verifies(cmpi, 8, 1, 1, NULL));
    cmpi[3] = 5;
    CHECK(!verifies(cmpi, 8, 1, 1, "(j)"));
    cmpi[0] = OPC_TEST_NEI; cmpi[3] = 8;
    CHECK(!verifies(cmpi, 8, 1, 1, "(j)"));
    CHECK(!verifies(cmpi, 3, 1, 1, "truncated"));

    /* Lambdas: nregs must cover arity + nfree, and arities must agree. */
    Module *m = tiny(good, 5, 1, 2);
    m->nlambdas = 1;
    m->lambdas = calloc(1, sizeof(FunEntry));
    m->lambdas[0] = (FunEntry){ m, 0, 1, 1, 0 };
    m->funcs[0].nfree = 1;
    char err[256];
    CHECK(module_verify(m, err, sizeof err));
    m->funcs[0].nfree = 0;
    CHECK(!module_verify(m, err, sizeof err) && strstr(err, "differs"));
    m->funcs[0].nfree = 2;
    m->lambdas[0].nfree = 2;
    CHECK(!module_verify(m, err, sizeof err) && strstr(err, "nfree"));
    m->funcs[0].nfree = 1;
    m->lambdas[0].nfree = 1;
    m->lambdas[0].arity = 2;
    CHECK(!module_verify(m, err, sizeof err));
    m->lambdas[0].arity = 1;
    m->lambdas[0].func = 5;
    CHECK(!module_verify(m, err, sizeof err));
    m->lambdas[0].func = 0;
    module_free(m);
}

/* ---- hand-written images ---- */

static void put_var(ByteBuf *b, uint64_t v) {
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        if (b->len == b->cap) b->data = realloc(b->data, b->cap = b->cap ? b->cap * 2 : 64);
        b->data[b->len++] = byte | (v ? 0x80 : 0);
    } while (v);
}
static void put_bytes(ByteBuf *b, const void *p, size_t n) {
    for (size_t i = 0; i < n; i++) put_var(b, 0), b->data[b->len - 1] = ((const uint8_t *)p)[i];
}
static void put_u32(ByteBuf *b, uint32_t w) {
    uint8_t t[4] = { w & 0xFF, (w >> 8) & 0xFF, (w >> 16) & 0xFF, w >> 24 };
    put_bytes(b, t, 4);
}

/* An image of module Deep with f/0 returning literal 0, a tuple nested
 * `depth` deep. */
static ByteBuf deep_image(int depth) {
    ByteBuf b = {0};
    put_bytes(&b, "ACTB", 4);
    put_var(&b, MODULE_VERSION);
    put_var(&b, 2);
    put_var(&b, 11); put_bytes(&b, "Elixir.Deep", 11);
    put_var(&b, 1); put_bytes(&b, "f", 1);
    put_var(&b, 0);          /* module name: atom 0 */
    put_var(&b, 0);          /* file "" */
    put_var(&b, 1);          /* one literal */
    for (int i = 0; i < depth; i++) { put_var(&b, 6 /* LIT_TUPLE */); put_var(&b, 1); }
    put_var(&b, 8);          /* LIT_NIL */
    put_var(&b, 0);          /* imports */
    put_var(&b, 1);          /* functions */
    put_var(&b, 1); put_var(&b, 0); put_var(&b, 1); put_var(&b, 0); put_var(&b, 1); /* f/0, 1 reg, nfree 0, exported */
    put_var(&b, 5);
    put_u32(&b, OPC_LOADK); put_u32(&b, 0); put_u32(&b, 0); put_u32(&b, OPC_RET); put_u32(&b, 0);
    put_var(&b, 0);          /* lines */
    put_var(&b, 0);          /* lambdas */
    put_var(&b, 0);          /* docs */
    return b;
}

static void test_crafted(void) {
    char err[256];
    ByteBuf b = deep_image(50);
    Module *m = module_load(b.data, b.len, err, sizeof err);
    CHECK(m != NULL);
    if (m) {
        Term t = m->literals[0];
        int d = 0;
        while (is_tuple(t)) { d++; t = tuple_elems(t)[0]; }
        CHECK_EQ_INT(d, 50);
        CHECK(t == T_NIL);
        module_free(m);
    }
    free(b.data);
    b = deep_image(100000);
    m = module_load(b.data, b.len, err, sizeof err);
    CHECK(m == NULL && strstr(err, "deep"));
    free(b.data);

    b = deep_image(1);
    b.data[4] = 2; /* version */
    CHECK(module_load(b.data, b.len, err, sizeof err) == NULL && strstr(err, "version"));
    b.data[4] = MODULE_VERSION;
    b.data[0] = 'X';
    CHECK(module_load(b.data, b.len, err, sizeof err) == NULL && strstr(err, "magic"));
    b.data[0] = 'A';
    m = module_load(b.data, b.len, err, sizeof err);
    CHECK(m != NULL);
    module_free(m);
    put_var(&b, 0);
    CHECK(module_load(b.data, b.len, err, sizeof err) == NULL && strstr(err, "trailing"));
    free(b.data);
    CHECK(module_load(NULL, 0, err, sizeof err) == NULL);
}

/* ---- fuzzing ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_fuzz(void) {
    Module *m = compile_one(SAMPLE, NULL);
    REQUIRE(m != NULL);
    ByteBuf img;
    REQUIRE(serialize(m, &img));
    module_free(m);
    char err[256];

    /* Every proper prefix is rejected. */
    unsigned long accepted = 0;
    for (size_t n = 0; n < img.len; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees any overread */
        memcpy(copy, img.data, n);
        Module *l = module_load(copy, n, err, sizeof err);
        if (l) { accepted++; module_free(l); }
        free(copy);
    }
    CHECK_EQ_UINT(accepted, 0);

    /* Random flips never crash; whatever loads verifies. */
    unsigned long loaded = 0, bad = 0;
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t *copy = malloc(img.len);
        memcpy(copy, img.data, img.len);
        int flips = 1 + (int)(rnd() % 4);
        for (int k = 0; k < flips; k++) copy[rnd() % img.len] ^= (uint8_t)(1u << (rnd() % 8));
        Module *l = module_load(copy, img.len, err, sizeof err);
        if (l) {
            loaded++;
            if (!module_verify(l, err, sizeof err)) bad++;
            module_free(l);
        }
        free(copy);
    }
    CHECK_EQ_UINT(bad, 0);
    (void)loaded;

    /* Random bytes behind a valid header. */
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = 5 + rnd() % 200;
        uint8_t *copy = malloc(n);
        memcpy(copy, "ACTB\x01", 5);
        for (size_t k = 5; k < n; k++) copy[k] = (uint8_t)rnd();
        Module *l = module_load(copy, n, err, sizeof err);
        if (l) {
            CHECK(module_verify(l, err, sizeof err));
            module_free(l);
        }
        free(copy);
    }
    free(img.data);
}

int main(void) {
    atom_init();
    RUN(test_round_trip);
    RUN(test_verifier);
    RUN(test_crafted);
    RUN(test_fuzz);
    return unit_summary();
}

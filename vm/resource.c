/* resource.c — resources (contract: resource.h). */
#include "resource.h"
#include "binary.h"
#include <stdatomic.h>

/* The head of a resource blob's data[]; the object follows, 16-aligned. */
typedef struct ResourceHead {
    const ResourceType *type;
    uint64_t id;
} ResourceHead;
#define OBJ_OFFSET ((sizeof(ResourceHead) + 15) & ~(size_t)15)

static _Atomic long live;

static void destroy_blob(Binary *b) {
    ResourceHead *h = (ResourceHead *)b->data;
    if (h->type->destroy) h->type->destroy(resource_obj(b));
    atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed);
}

void *resource_new(const ResourceType *type, size_t size, Binary **blob) {
    /* 15 spare bytes align the object whatever data[]'s alignment. */
    Binary *b = binary_blob_new(OBJ_OFFSET + size + 15);
    memset(b->data, 0, b->size);
    ResourceHead *h = (ResourceHead *)b->data;
    h->type = type;
    h->id = heap_new_ref_id();
    b->destroy = destroy_blob;
    atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
    *blob = b;
    return resource_obj(b);
}

void *resource_obj(Binary *b) {
    uintptr_t a = (uintptr_t)b->data + OBJ_OFFSET;
    return (void *)((a + 15) & ~(uintptr_t)15);
}

Term resource_term_in(Term *w, Binary *b) {
    w[0] = make_header(BOX_RESOURCE, 3);
    w[1] = (Term)((ResourceHead *)b->data)->id;
    w[2] = (Term)b;
    w[3] = 0;
    return make_boxed(w);
}

Term resource_term(Process *p, Binary *b) {
    binary_incref(b);
    Term *w = heap_alloc(p, RESOURCE_WORDS);
    Term t = resource_term_in(w, b);
    w[3] = (Term)p->off_heap;
    p->off_heap = w;
    return t;
}

void *resource_get(Term t, const ResourceType *type, Binary **blob) {
    if (!is_box_of(t, BOX_RESOURCE)) return NULL;
    Binary *b = (Binary *)boxed_ptr(t)[2];
    if (((ResourceHead *)b->data)->type != type) return NULL;
    if (blob) *blob = b;
    return resource_obj(b);
}

long resource_count(void) { return atomic_load_explicit(&live, memory_order_relaxed); }

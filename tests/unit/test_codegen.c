#include "unit.h"
static void t(void) { CHECK(1); }
int main(void) { RUN(t); return unit_summary(); }

#include "unit.h"
int main(void) { CHECK(1); return unit_summary(); }

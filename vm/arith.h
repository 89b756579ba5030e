/* arith.h — arithmetic on any numbers: the interpreter's slow paths.
 *
 * The interpreter inlines the small-integer fast paths (small + small without
 * overflow, comparisons of two smalls) and calls these for everything else:
 * overflow into bignums, bignums, floats, mixed operands, bad operands.
 *
 * Contract, as on the BEAM:
 *  - Operands are any terms. A non-number operand, a zero divisor, or a float
 *    result that is infinite or NaN makes the function call
 *    native_raise(p, ATOM_error, ATOM_badarith) and return T_NONE. (The
 *    stdlib turns badarith into %ArithmeticError{}.) Results too large for a
 *    bignum raise error:system_limit.
 *  - Integer results are canonical (small when they fit, see bignum.h).
 *  - int op int is exact; if either operand is a float, the other is
 *    converted to a double (a bignum too large for a double raises badarith).
 *
 * The natives of numbers (Kernel/:erlang operators, Integer, Float, :math,
 * Bitwise, String.to_integer/to_float ...) are in arith.c too; natives.def
 * lists them. Kernel.abs/round/trunc of a non-number raise the ArgumentError
 * of the BEAM's badarg ("1st argument: not a number"), not badarith.
 */
#ifndef ACT_ARITH_H
#define ACT_ARITH_H
#include "term.h"
#include "process.h"

Term arith_add(Process *p, Term a, Term b);   /* a + b */
Term arith_sub(Process *p, Term a, Term b);   /* a - b */
Term arith_mul(Process *p, Term a, Term b);   /* a * b */
Term arith_fdiv(Process *p, Term a, Term b);  /* a / b: always a float */
Term arith_idiv(Process *p, Term a, Term b);  /* div(a, b): integers, truncating */
Term arith_rem(Process *p, Term a, Term b);   /* rem(a, b): integers, sign of a */
Term arith_neg(Process *p, Term a);           /* -a (-0.0 for 0.0) */
Term arith_abs(Process *p, Term a);           /* abs(a); abs(-0.0) is -0.0 as on the BEAM */
/* a ** b as Elixir 1.14's Kernel.**: integer ** non-negative integer is exact
 * (Integer.pow); any other pair of numbers is :math.pow, a float. */
Term arith_pow(Process *p, Term a, Term b);
/* Integer.pow/2: integers only, exponent >= 0, else badarith. */
Term arith_int_pow(Process *p, Term a, Term b);

/* Number comparison with exact semantics: -1, 0 or 1. Both terms must be
 * numbers. Integers compare with floats by value, exactly (1 == 1.0;
 * 2**53 + 1 > 9007199254740992.0); 0.0 == -0.0. */
int arith_compare_numbers(Term a, Term b);

/* :erlang.float_to_binary(f, opts) with every option of OTP 25 (decimals,
 * scientific, short, compact): exact, as the BEAM formats. T_NONE after
 * raising the ArgumentError Elixir shows for a bad argument. */
Term arith_float_to_binary(Process *p, Term f, Term opts);

/* A number as a double; false if not a number or a bignum overflows. */
bool arith_to_double(Term t, double *out);
/* A float term for d, or T_NONE after badarith if d is infinite or NaN. */
Term arith_make_float(Process *p, double d);

#endif

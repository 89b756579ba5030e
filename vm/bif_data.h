/* bif_data.h — helpers shared by the data natives (bif_data.c: Kernel data
 * functions and tuples; bif_map.c: Map and :maps; bif_list.c: List, :lists,
 * Keyword). Not a contract for other parts of the VM.
 *
 * Errors follow what Elixir 1.14 on OTP 25 raises for the same call:
 *  - bad arguments of :erlang BIFs (and of the Kernel functions that are
 *    those BIFs) raise %ArgumentError{} with OTP's extended message,
 *    "errors were found at the given arguments:\n\n  * 1st argument: not a
 *    tuple\n". The position is the position in the *Erlang* BIF, as Elixir
 *    shows it (elem(t, i) is :erlang.element(i + 1, t): the tuple is the 2nd);
 *  - plain badarg where OTP has no extended message ("argument error");
 *  - {badmap, T} and {badkey, K, T} as Erlang reasons, which the stdlib
 *    turns into BadMapError and KeyError;
 *  - error:function_clause reported in the function Elixir names
 *    (bif_fc, see native_raise_fc).
 */
#ifndef ACT_BIF_DATA_H
#define ACT_BIF_DATA_H
#include "term.h"
#include "process.h"

/* Raises :badarg with error info (native_badarg_at): a catch sees :badarg,
 * rescue an ArgumentError "errors were found at the given arguments: * Nth
 * argument: <what>". Returns T_NONE. */
Term bif_arg_error(Process *p, int argno, const char *what);
/* error {badmap, t}; error {badkey, key, term}. */
Term bif_badmap(Process *p, Term t);
Term bif_badkey(Process *p, Term key, Term term);
/* Raise error:function_clause reported in mod.fun/arity (mod is the module
 * atom's text: "Elixir.List", "lists"), as Elixir reports a call to that
 * function that no clause matched: native_raise_fc. */
Term bif_fc(Process *p, const char *mod, const char *fun, unsigned arity);
/* Length of a proper list, or -1 when t is not one. */
long bif_list_length(Term t);
/* The n elements of a proper list into a new C-heap array (NULL for n = 0). */
Term *bif_list_to_array(Term list, size_t n);
/* :lists.sort(list) exactly as OTP 25 orders equal terms (bif_sort.c);
 * T_NONE without raising when list is not a proper list. */
Term bif_lists_sort(Process *p, Term list);
/* :lists.keysort(pos, list) likewise (pos >= 1); T_NONE without raising when
 * list is not a proper list of tuples of at least pos elements. */
Term bif_lists_keysort(Process *p, size_t pos, Term list);
/* A list of n terms followed by tail. */
Term bif_list_with_tail(Process *p, size_t n, const Term *elems, Term tail);
#endif

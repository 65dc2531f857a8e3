#!/usr/bin/env python3
"""mkman.py -- write the man page dualact(1) (docs/dualact.1).

The COMMANDS section is built from `dualact --help` (the command list) and
`dualact CMD --help` (each command's synopsis, description and options), so
the page says what the tool does; the other sections are written here.

    python3 docs/mkman.py ./dualact > docs/dualact.1

Run it again whenever a command or an option changes; tests/man.test fails
when the page misses a command of `dualact --help`.
"""
import re
import subprocess
import sys


def esc(s):
    """roff-escape a line of text"""
    s = s.replace("\\", "\\e")
    s = s.replace("-", "\\-")
    # long comma lists (CSV headers) may break after a comma: \: is a
    # zero-width break point
    s = re.sub(r"(?<=[^\s,]),(?=[^\s,])", ",\\:", s)
    if s.startswith(".") or s.startswith("'"):
        s = "\\&" + s
    return s


def run(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True,
                          check=True).stdout


ITEM = re.compile(r"^  (\S(?:.*?\S)?)\s{2,}(\S.*)$")


def help_to_roff(text):
    """usage block -> .nf synopsis; '  ITEM   desc' -> .TP; rest -> text"""
    lines = text.rstrip("\n").split("\n")
    out = []
    i = 0
    # the usage lines (first line and its indented continuations, and a
    # second "usage" form indented under it)
    usage = []
    while i < len(lines) and lines[i].strip():
        usage.append(re.sub(r"^usage: ", "", lines[i]).rstrip())
        i += 1
    out.append(".nf")
    for u in usage:
        u = re.sub(r"^\s{6}", "", u)
        out.append("\\fB" + esc(u.strip().split(" ")[0]) + "\\fR" +
                   esc(u.strip()[len(u.strip().split(" ")[0]):])
                   if u.strip().startswith("dualact") else "    " + esc(u.strip()))
    out.append(".fi")
    para = False
    in_item = False
    for line in lines[i:]:
        if not line.strip():
            if in_item:
                out.append(".PD")
            in_item = False
            para = False
            continue
        m = ITEM.match(line)
        if m and (m.group(1).startswith("-") or m.group(1).startswith("(") or re.match(r"^[a-z][a-z_]*(,|$)", m.group(1))
                  or re.match(r"^[a-z_, ]+$", m.group(1))):
            if not in_item:
                out.append(".sp")
                out.append(".PD 0")
            out.append(".TP 14")
            out.append("\\fB" + esc(m.group(1)) + "\\fR")
            out.append(esc(m.group(2)))
            in_item = True
            continue
        if in_item and line.startswith("   "):
            out.append(esc(line.strip()))
            continue
        if in_item:
            out.append(".PD")
            in_item = False
        if not para:
            out.append(".PP")
            para = True
        out.append(esc(line.strip()))
    if in_item:
        out.append(".PD")
    return "\n".join(out)


HEAD = r""".\" dualact(1) -- written by docs/mkman.py from the tool's own --help texts
.TH DUALACT 1 "@DATE@" "dualact @VERSION@" "User Commands"
.ad l
.SH NAME
dualact \- Hermite expansions and dual activations of neural-network activations, with error bounds
.SH SYNOPSIS
.B dualact
.I COMMAND
.RI [ ARGS ...]
.br
.B dualact \-\-help
|
.B \-\-version
.br
.B dualact
.I COMMAND
.B \-\-help
.SH DESCRIPTION
.B dualact
computes the Hermite coefficients
.RI a_k " = E[" "sigma(X) h_k(X)" ]
of an activation function
.I sigma
(a catalogue name such as
.BR relu ,
.B elu(0.5)
or a formula in
.IR x ),
the dual activation (kernel map)
.IR "sigma_hat(rho) = E[sigma(X) sigma(Y)]" ,
corr(X, Y) =
.IR rho ,
its iterates over depth, the neural tangent kernel, the quantities of
the paper's conditioning analysis (mu = 1 \- a_1^2, beta = E[sigma'^2]),
learnability of deep random networks and mean-field signal propagation,
in double precision or to any number of digits (MPFR), with an absolute
error bound on every number it prints.
.PP
Activations are normalized (E sigma = 0, E sigma^2 = 1, the convention
of Agarwal, Awasthi and Kale, ALT 2021) unless
.B \-\-raw
is given.  Output is text by default,
.B \-\-format csv
or
.B json
for scripts, and LaTeX or Markdown tables
.RB ( "dualact table" )
and figures
.RB ( "dualact plot" )
for papers.
.SH COMMANDS
"""

TAIL = r""".SH EXPRESSIONS
Wherever an activation is expected, a formula in
.I x
is accepted:
.TP 4
\(bu
numbers
.RB ( 2 ", " 0.5 ", " 1e\-3 ", " 2.5E+2 ;
kept exact as decimals), the variable
.BR x ,
the constants
.B pi
and
.BR e ;
.TP
\(bu
.B + \- * /
and unary
.B \-
and
.BR + ;
powers
.B ^
(or
.BR ** ),
right-associative and binding tighter than unary minus
.RB ( \-x^2 " is \-(x^2), " 2^3^2 " is 2^9);"
real exponents such as
.BR abs(x)^1.5 ;
.TP
\(bu
comparisons
.B < <= > >= == !=
(value 1 or 0), logical
.BR && ", " || ", " ! ,
and the conditional
.IB c " ? " a " : " b
(lowest precedence, right-associative);
.TP
\(bu
the functions
.B exp expm1 log log1p sqrt cbrt abs sign step floor ceil sin cos tan
.B asin acos atan sinh cosh tanh asinh acosh atanh erf erfc Phi phi
.B sigmoid softplus relu
of one argument,
.B max
and
.B min
of two, and
.BR clip(x,lo,hi) ;
.B Phi
is the standard normal distribution function,
.B phi
its density,
.B step(x)
is 1 for x > 0 and 0 otherwise, and
.B sign(0)
is 0;
.TP
\(bu
every catalogue name
.RB ( "dualact list" )
as a function of one argument with its default parameters, e.g.
.B 0.5*relu(x) + 0.5*tanh(x)
or
.BR gelu(2*x) .
.PP
Precedence, lowest first:
.B ?:
then
.B ||
then
.B &&
then
.B == !=
then
.B < <= > >=
then
.B + \-
then
.B * /
then unary
.B \- + !
then
.BR "^ **" .
Expressions are limited to 65536 characters and a nesting depth of 200.
A parse error names the column and is followed by the expression and a
caret under the offending character.  An expression undefined somewhere
on the real line (\fBlog(x)\fR, \fB1/x\fR) or not square integrable
against the Gaussian (\fBexp(x^2)\fR) is refused.
.SH OUTPUT
Each command writes its result to standard output, in the format chosen by
.B \-\-format
.RB ( text ", " csv ", " json ;
.B table
also
.BR md " and " latex ;
.B plot
writes
.BR svg ", " pgf " or " gnuplot
to the file named by
.BR \-o ).
The output is held in memory and reaches standard output only when the
command succeeds (exit 0) or when it reached less accuracy than asked
(exit 3): an input error never leaves half a table behind.  JSON output and
the comment lines of CSV, LaTeX and figures carry the provenance: version,
digits, method.  A number is printed with only the decimals its error bound
vouches for, followed by that bound (rounded upwards, including the
rounding of the printed value).
.SH EXIT STATUS
.TP 4
.B 0
success.
.TP
.B 2
usage or input error (unknown command or option, a value out of range, an
activation that does not parse or is not square integrable); one line on
standard error, nothing on standard output, no file written.
.TP
.B 3
the requested accuracy was not reached within the working-precision and
quadrature caps; what is printed is still correct to its stated error
bound, which is wider than asked.
.TP
.B 4
an internal error (out of memory), or for
.B dualact depth
a computed bound below the proved depth (reported on standard error).
.SH ERROR BOUNDS
Every number is a ball: a midpoint and a radius, the radius an upper bound
of the absolute error (in units of ||sigma|| for Hermite coefficients),
rounded upwards, and every result says whether its bound is
.B rigorous
(a proof) or an
.B estimate
(with the reason).  Polynomial and piecewise-polynomial activations: exact
formulas evaluated in ball arithmetic on pieces proved to be sigma's, at
any degree.  The other activations the envelope algebra covers (the whole
catalogue): Gauss\-Legendre quadrature in ball arithmetic with a proved
error and proved tails.  The fallbacks (Gauss\-Hermite, trapezoid and
double-exponential rules) are estimates: twice the difference of the last
two resolutions, accepted only after the differences have stopped growing,
plus bounds on rounding, on the error of evaluating sigma and on the
truncated tails of the line.  Derived numbers (normalized coefficients, mu, beta, the
Parseval tail, dual activations, their iterates) propagate the balls by
ball arithmetic; a truncated Hermite series adds the Parseval tail bound.
The
.B \-\-double
paths, the mean-field quantities and the figures work in double precision
with error estimates rather than proofs.  See the manual for what is proved
and what is estimated.
.SH EXAMPLES
The paper's table for the standard activations, ready for LaTeX:
.PP
.RS
.B dualact table \-\-format latex
.RE
.PP
Ten Hermite coefficients of the normalized tanh to 50 digits:
.PP
.RS
.B dualact coeffs tanh \-\-degree 10 \-\-digits 50
.RE
.PP
A formula instead of a name (Mish), as CSV:
.PP
.RS
.B dualact coeffs 'x*tanh(softplus(x))' \-\-format csv
.RE
.PP
The dual activation of the normalized ReLU and its 10-fold composition:
.PP
.RS
.B dualact dual relu \-\-rho 0.5,0.9 \-\-depth 10
.RE
.PP
How the correlation of two inputs evolves over 30 layers, with the NTK:
.PP
.RS
.B dualact iterate gelu \-\-rho 0.9 \-\-depth 30 \-\-ntk
.RE
.PP
A figure of sigma_hat and its iterates for a paper, as pgfplots code:
.PP
.RS
.B dualact plot dual relu tanh \-\-depth 1,2,4 \-o dual.tex
.RE
.PP
The share of a random depth-L network's variance on polynomials of degree
at most 2, as an SVG figure:
.PP
.RS
.B dualact plot mass relu gelu \-\-k 2 \-o mass.svg
.RE
.SH FILES
.TP
.I @PREFIX@/include/dualact.h
the library's header (every public function, documented);
.TP
.I @PREFIX@/lib/pkgconfig/dualact.pc
compile with
.BR "cc prog.c $(pkg\-config \-\-cflags \-\-libs dualact)" .
.SH SEE ALSO
.BR gnuplot (1),
.BR xmllint (1).
The manual
.I docs/manual.md
of the source distribution (installation, every command with examples, the
expression grammar, the error bounds, the library), the figures
.IR docs/plot.md ,
and the example program
.IR docs/examples/example.c .
.PP
A. Agarwal, P. Awasthi, S. Kale, "A Deep Conditioning Treatment of Neural
Networks", ALT 2021; A. Daniely, R. Frostig, Y. Singer, "Toward Deeper
Understanding of Neural Networks: The Power of Initialization and a Dual
View on Expressivity", NeurIPS 2016.
"""


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "./dualact"
    top = run(binary, "--help")
    version = run(binary, "--version").split()[-1]
    cmds = []
    on = False
    for line in top.split("\n"):
        if line.startswith("commands:"):
            on = True
            continue
        if on:
            m = re.match(r"^  (\S+)\s+(.*)$", line)
            if not m:
                if cmds:
                    break
                continue
            cmds.append((m.group(1), m.group(2)))
    out = [HEAD.replace("@VERSION@", version).replace("@DATE@", "2025")]
    for name, summary in cmds:
        out.append('.SS "dualact %s"' % name)
        out.append(".I " + esc(summary))
        out.append(".PP")
        out.append(help_to_roff(run(binary, name, "--help")))
    out.append(TAIL.replace("@PREFIX@", "PREFIX"))
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()

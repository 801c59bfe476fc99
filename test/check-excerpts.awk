# The checks of check-excerpts (see there for the rules) over one README.
#   awk -v readme=PATH -v dir=ITS_FOLDER -f check-excerpts.awk PATH
# with CE_ROOT (where `make diff` runs) and CE_MAKE in the environment.
# Prints one line per problem, then "excerpts N problems N".
# POSIX awk only (mawk, BSD awk, gawk): no regex intervals, no \b, no gensub.

function problem(line, what) {
    print readme ":" line ": " what
    nproblems++
}

function rtrim(s) {
    sub(/[ \t\r]+$/, "", s)
    return s
}

function ltrim(s) {
    sub(/^[ \t]+/, "", s)
    return s
}

function shquote(s) {
    gsub(/'/, "'\\''", s)
    return "'" s "'"
}

# Reads FILE (relative to the README's folder) once: src[FILE, i], srcn[FILE].
# (A directory is tested for first: some awks die reading one.)
function load(file,    path, line, n) {
    if (file in srcn)
        return srcn[file] >= 0
    path = dir "/" file
    if (system("test -f " shquote(path)) != 0) {
        srcn[file] = -1
        return 0
    }
    n = 0
    while ((getline line < path) > 0)
        src[file, ++n] = rtrim(line)
    close(path)
    srcn[file] = n
    return 1
}

# The FILE that the block's first line S names ("// FILE", "// FILE: what",
# or with "#"), or "" if it names none. After "#", FILE must look like a
# path, so that a comment such as "# run it" is not taken for one.
function header(s, marker,    tok, rest) {
    if (marker == "//" && !sub(/^[ \t]*\/\/[ \t]*/, "", s))
        return ""
    if (marker == "#" && !sub(/^[ \t]*#[ \t]*/, "", s))
        return ""
    if (!match(s, /^[^ \t]+/))
        return ""
    tok = substr(s, 1, RLENGTH)
    rest = substr(s, RLENGTH + 1)
    if (tok ~ /.:$/) {
        tok = substr(tok, 1, length(tok) - 1)
        rest = ":" rest
    }
    if (rest !~ /^[ \t]*(:.*)?$/ || tok ~ /^(\.\.\.|…)$/)
        return ""
    if (marker == "#" && tok !~ /[.\/]/ && tok !~ /^(GNU)?[Mm]akefile$/)
        return ""
    return tok
}

function is_elision(s) {
    return s ~ /^[ \t]*(\.\.\.|…|\/\*[ \t]*(\.\.\.|…)[ \t]*\*\/|\/\/[ \t]*(\.\.\.|…)|#[ \t]*(\.\.\.|…))[ \t]*$/
}

# Where piece P stands in FILE as consecutive lines, at or after line FROM;
# 0 if nowhere.
function find(file, p, from,    i, j, last) {
    last = srcn[file] - plen[p] + 1
    for (i = from; i <= last; i++) {
        for (j = 1; j <= plen[p]; j++)
            if (src[file, i + j - 1] != pl[p, j])
                break
        if (j > plen[p])
            return i
    }
    return 0
}

# Piece P is not where it should be: says why, at the README line that shows
# it. Either it is there but out of order, or most of it lines up with one
# place in FILE and the first line that differs is named, or it is not there.
function explain(file, p,    i, j, k, n, best, at, have) {
    if (find(file, p, 1)) {
        problem(pr[p, 1], "found in " file ", but above the excerpt's previous piece: pieces must follow the source's order")
        return
    }
    best = 0
    for (i = 1; i <= srcn[file]; i++) {
        n = 0
        for (j = 1; j <= plen[p]; j++) {
            k = i + j - 1
            if (k <= srcn[file] && src[file, k] == pl[p, j])
                n++
        }
        if (n > best) {
            best = n
            at = i
        }
    }
    if (best == 0 || best * 2 < plen[p]) {
        problem(pr[p, 1], "not in " file ": `" ltrim(pl[p, 1]) "`")
        return
    }
    for (j = 1; j <= plen[p]; j++) {
        k = at + j - 1
        have = k <= srcn[file] ? src[file, k] : "(end of file)"
        if (have != pl[p, j])
            break
    }
    if (ltrim(have) == ltrim(pl[p, j]))
        problem(pr[p, j], "differs from " file " in its indentation: `" ltrim(have) "`")
    else
        problem(pr[p, j], "differs from " file ": the README has `" ltrim(pl[p, j]) "`, " file " has `" ltrim(have) "`")
}

# A fenced block has ended: b[1..nb] its lines, bl[] their README lines.
function block(    marker, file, i, t, np, m, p, pos, at) {
    if (lang == "c")
        marker = "//"
    else if (lang ~ /^(make|makefile|sh|bash|shell|python|py)$/)
        marker = "#"
    else
        return
    if (marker == "//" && b[1] ~ /^[ \t]*\/\/[ \t]*(sketch|make expand)([^A-Za-z0-9_]|$)/)
        return
    file = nb ? header(b[1], marker) : ""
    if (file == "") {
        if (marker == "//")
            problem(start, "a ```c block names its source on its first line (// FILE or // FILE: description), or begins with // sketch or // make expand")
        return
    }
    nexcerpts++
    if (!load(file)) {
        problem(bl[1], "no such file: " file " (paths are relative to the README's folder)")
        return
    }
    # Cut into pieces at the elisions; a piece's blank end lines go.
    split("", pl)
    split("", pr)
    split("", plen)
    np = m = 0
    for (i = 2; i <= nb + 1; i++) {
        if (i <= nb && !is_elision(b[i])) {
            t = rtrim(b[i])
            if (m == 0 && t == "")
                continue
            pl[np + 1, ++m] = t
            pr[np + 1, m] = bl[i]
            continue
        }
        while (m > 0 && pl[np + 1, m] == "")
            m--
        if (m > 0)
            plen[++np] = m
        m = 0
    }
    if (np == 0) {
        problem(bl[1], "the excerpt from " file " is empty")
        return
    }
    pos = 1
    for (p = 1; p <= np; p++) {
        at = find(file, p, pos)
        if (at)
            pos = at + plen[p]
        else
            explain(file, p)
    }
}

# "`make diff A=03 B=04` prints 412 lines": runs that make diff (once per
# command) and compares. MAKEFLAGS is emptied: called from a make, the diff
# is no part of that make's jobs.
function check_diffs(s,    claim, cmd, got, run, result, r, err, rest) {
    # A size in another shape would go unchecked, and stale, in silence.
    rest = s
    gsub(/`make diff A=[0-9]+ B=[0-9]+( TESTS=0)?` prints [0-9][0-9,]* lines/, "", rest)
    if (rest ~ /`make diff[^`]*` prints [0-9][0-9,]* lines/)
        problem(NR, "a make diff size in a shape the checker cannot rerun: write \"`make diff A=03 B=04` prints N lines\" (or A=03 B=04 TESTS=0)")
    while (match(s, /`make diff A=[0-9]+ B=[0-9]+( TESTS=0)?` prints [0-9][0-9,]* lines/)) {
        claim = substr(s, RSTART, RLENGTH)
        s = substr(s, RSTART + RLENGTH)
        cmd = claim
        sub(/^`/, "", cmd)
        sub(/`.*/, "", cmd)
        got = claim
        sub(/.*` prints /, "", got)
        sub(/ lines$/, "", got)
        gsub(/,/, "", got)
        if (!(cmd in diff_lines)) {
            run = "cd \"$CE_ROOT\" && MAKEFLAGS= \"$CE_MAKE\" -s --no-print-directory " substr(cmd, 6) \
                " >\"$CE_TMP/diff\" 2>&1; echo $? $(wc -l <\"$CE_TMP/diff\")"
            result = ""
            run | getline result
            close(run)
            split(result, r, " ")
            if (r[1] == "0") {
                diff_lines[cmd] = r[2] + 0
            } else {
                err = ENVIRON["CE_TMP"] "/diff"
                result = ""
                getline result < err
                close(err)
                diff_lines[cmd] = "failed: " result
            }
        }
        if (diff_lines[cmd] ~ /^failed/)
            problem(NR, "`" cmd "` " diff_lines[cmd])
        else if (diff_lines[cmd] != got + 0)
            problem(NR, "`" cmd "` prints " diff_lines[cmd] " lines, not " got)
    }
}

function check_line_numbers(s,    t) {
    if (match(s, /[A-Za-z0-9_.\/-]*[A-Za-z0-9_]\.[ch]:[0-9]+/))
        problem(NR, "a line number (" substr(s, RSTART, RLENGTH) "): it goes stale with the next edit above it; name the function instead")
    if (match(s, /(^|[^A-Za-z])[Ll]ines? [0-9]+/)) {
        t = substr(s, RSTART, RLENGTH)
        sub(/^[^Ll]/, "", t)
        problem(NR, "a line number (" t "): it goes stale with the next edit above it; name the function instead")
    }
}

{
    line = $0
    sub(/\r$/, "", line)
    check_line_numbers(line)
    check_diffs(line)
}

# A fence opens: ``` or ~~~ (or longer), maybe indented (inside a list),
# then the language.
!infence && line ~ /^ *(```|~~~)/ {
    indent = line
    sub(/[`~].*/, "", indent)
    indent = length(indent)
    rest = substr(line, indent + 1)
    fch = substr(rest, 1, 1)
    flen = 0
    while (substr(rest, flen + 1, 1) == fch)
        flen++
    lang = ltrim(substr(rest, flen + 1))
    sub(/[ \t{].*/, "", lang)
    lang = tolower(lang)
    infence = 1
    start = NR
    nb = 0
    next
}

infence {
    # It closes with the same character, at least as many, and nothing else.
    t = ltrim(line)
    n = 0
    while (substr(t, n + 1, 1) == fch)
        n++
    if (n >= flen && rtrim(substr(t, n + 1)) == "") {
        block()
        infence = 0
        next
    }
    # Inside a list the fence is indented, and so is every line of the code.
    for (i = 0; i < indent && substr(line, 1, 1) == " "; i++)
        line = substr(line, 2)
    b[++nb] = line
    bl[nb] = NR
}

END {
    if (infence)
        problem(start, "this code fence is never closed: what follows it reads as code")
    print "excerpts " nexcerpts + 0 " problems " nproblems + 0
}

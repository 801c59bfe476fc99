# The bench's chart as SVG, so that the front page can show it: one
# horizontal bar per line "NAME VALUE" of input, scaled to the largest.
#   awk -v title=TEXT -v note=TEXT -f bench/chart.awk
# A NAME that starts with a digit is a chapter of this repository; the
# others (asyncio-protocol, ...) are references, drawn in another colour.
# Plain POSIX awk: the chart must not need anything `make bench` does not.

function esc(s) {
    gsub(/&/, "\\&amp;", s)
    gsub(/</, "\\&lt;", s)
    gsub(/>/, "\\&gt;", s)
    gsub(/"/, "\\&quot;", s)
    return s
}

NF >= 2 {
    n++
    name[n] = $1
    text[n] = $2
    value[n] = $2 + 0
    if (value[n] > max)
        max = value[n]
}

END {
    left = 150 # the names, right-aligned before the bars
    width = 480 # the longest bar
    row = 26
    top = 58
    w = left + width + 70
    h = top + n * row + 12
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">\n", w, h, w, h
    printf "  <rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, h
    printf "  <text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>\n", esc(title)
    printf "  <text x=\"10\" y=\"42\" font-size=\"11\" fill=\"#555555\">%s</text>\n", esc(note)
    for (i = 1; i <= n; i++) {
        y = top + (i - 1) * row
        bar = max > 0 ? value[i] / max * width : 0
        colour = name[i] ~ /^[0-9]/ ? "#4c72b0" : "#dd8452"
        printf "  <text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 8, y + 14, esc(name[i])
        printf "  <rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"><title>%s: %s</title></rect>\n", left, y, bar, colour, esc(name[i]), esc(text[i])
        printf "  <text x=\"%.1f\" y=\"%d\">%s</text>\n", left + bar + 6, y + 14, esc(text[i])
    }
    print "</svg>"
}

package io.kiban.bench.report;

import io.kiban.bench.load.StepResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * A self-contained HTML report: run details, the tables, and inline SVG line charts of throughput and latency
 * against concurrency (closed-loop sweeps) or arrival rate (open-loop sweeps). No scripts and no external files, so
 * it opens offline and can be attached to an issue.
 */
public final class HtmlReport {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
        "#17becf"};

    private HtmlReport() {}

    /** One line of a chart. */
    record Line(String name, String color, boolean dashed, List<double[]> points) {}

    public static String render(RunReport report) {
        StringBuilder sb = new StringBuilder(32 * 1024);
        RunInfo i = report.info();
        sb.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>kiban bench — ")
                .append(esc(i.model())).append("</title><style>")
                .append("body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;")
                .append("text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}")
                .append(".charts{display:flex;flex-wrap:wrap;gap:16px}svg{background:#fff;border:1px solid #ddd}")
                .append("code{background:#f3f3f3;padding:1px 4px}</style></head><body>");
        sb.append("<h1>kiban bench</h1><table>");
        row(sb, "target", i.url());
        row(sb, "model", i.model());
        row(sb, "started", i.startedAt());
        row(sb, "machine", i.machine());
        row(sb, "client", i.client());
        row(sb, "command", String.join(" ", i.command()));
        if (i.label() != null && !i.label().isBlank()) {
            row(sb, "label", i.label());
        }
        sb.append("</table>");
        for (String note : report.notes()) {
            sb.append("<p><b>note:</b> ").append(esc(note)).append("</p>");
        }
        List<StepResult> closed = report.steps().stream().filter(s -> s.mode().equals("closed")).toList();
        List<StepResult> open = report.steps().stream().filter(s -> s.mode().equals("open")).toList();
        if (!closed.isEmpty()) {
            charts(sb, closed, "concurrency", s -> s.concurrency());
        }
        if (!open.isEmpty()) {
            charts(sb, open, "arrival rate (req/s)", StepResult::rate);
        }
        sb.append("<h2>Results</h2>");
        sb.append(markdownTablesAsHtml(TableReport.render(report)));
        sb.append("<p>Throughput counts prompt + output tokens (the seed's measure) and output tokens alone; tokens come "
                + "from each response's <code>usage</code>. Latency is from send to the last byte (open loop: from the "
                + "intended send time, so queueing is included). TTFT: first generated text; TPOT: (latency − TTFT) ÷ "
                + "(output tokens − 1); ITL: gaps between text events.</p>");
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static void charts(StringBuilder sb, List<StepResult> steps, String xName, ToDoubleFunction<StepResult> x) {
        TreeSet<Double> xs = new TreeSet<>();
        steps.forEach(s -> xs.add(x.applyAsDouble(s)));
        List<Double> xVals = new ArrayList<>(xs);
        Map<String, List<StepResult>> series = TableReport.series(steps);
        sb.append("<h2>By ").append(esc(xName)).append("</h2><div class=\"charts\">");
        sb.append(chart("Throughput, total tokens/s", xName, xVals, lines(series, x, xVals, s -> s.totalTokensPerSecond(), false)));
        sb.append(chart("Output tokens/s", xName, xVals, lines(series, x, xVals, s -> s.outputTokensPerSecond(), false)));
        List<Line> lat = new ArrayList<>(lines(series, x, xVals, s -> s.latencyMs().p50() / 1000, false));
        lat.addAll(lines(series, x, xVals, s -> s.latencyMs().p99() / 1000, true));
        sb.append(chart("Latency, s (solid p50, dashed p99)", xName, xVals, lat));
        Map<String, List<StepResult>> streamed = new java.util.LinkedHashMap<>();
        series.forEach((k, v) -> {
            if (v.getFirst().stream()) {
                streamed.put(k, v);
            }
        });
        if (!streamed.isEmpty()) {
            List<Line> ttft = new ArrayList<>(lines(streamed, x, xVals, s -> s.ttftMs().p50(), false));
            ttft.addAll(lines(streamed, x, xVals, s -> s.ttftMs().p99(), true));
            sb.append(chart("Time to first token, ms (solid p50, dashed p99)", xName, xVals, ttft));
            sb.append(chart("Inter-token latency p50, ms", xName, xVals, lines(streamed, x, xVals, s -> s.itlMs().p50(), false)));
        }
        sb.append(chart("Requests/s", xName, xVals, lines(series, x, xVals, s -> s.requestsPerSecond(), false)));
        sb.append("</div>");
    }

    private static List<Line> lines(Map<String, List<StepResult>> series, ToDoubleFunction<StepResult> x,
            List<Double> xVals, ToDoubleFunction<StepResult> y, boolean dashed) {
        List<Line> out = new ArrayList<>();
        int c = 0;
        for (Map.Entry<String, List<StepResult>> e : series.entrySet()) {
            List<double[]> pts = new ArrayList<>();
            for (StepResult s : e.getValue()) {
                pts.add(new double[] {xVals.indexOf(x.applyAsDouble(s)), y.applyAsDouble(s)});
            }
            out.add(new Line(e.getKey() + (dashed ? " p99" : ""), COLORS[c++ % COLORS.length], dashed, pts));
        }
        return out;
    }

    /** An SVG line chart with categorical x positions (the sweep's values, evenly spaced). */
    static String chart(String title, String xName, List<Double> xVals, List<Line> lines) {
        int w = 520;
        int left = 64;
        int right = 30;
        int top = 30;
        // legend entries (solid lines only) flow into rows under the axis title
        List<int[]> legendPos = new ArrayList<>();
        int lx = left;
        int rowsUsed = 1;
        for (Line l : lines) {
            if (l.dashed()) {
                continue;
            }
            int width = 24 + 7 * l.name().length();
            if (lx + width > w - right && lx > left) {
                lx = left;
                rowsUsed++;
            }
            legendPos.add(new int[] {lx, rowsUsed - 1});
            lx += width;
        }
        int bottom = 50 + 16 * rowsUsed;
        int h = 236 + bottom;
        double max = 0;
        for (Line l : lines) {
            for (double[] p : l.points()) {
                max = Math.max(max, p[1]);
            }
        }
        double step = niceStep(max);
        double yMax = Math.max(step, Math.ceil(max / step) * step);
        int plotW = w - left - right;
        int plotH = h - top - bottom;
        int n = Math.max(1, xVals.size() - 1);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">", w, h, w, h));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">%s</text>",
                left, esc(title)));
        for (double v = 0; v <= yMax + step / 2; v += step) {
            double y = top + plotH - v / yMax * plotH;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", left, y, w - right, y, left - 6, y + 4,
                    esc(Fmt.tick(v))));
        }
        for (int k = 0; k < xVals.size(); k++) {
            double x = xVals.size() == 1 ? left + plotW / 2.0 : left + (double) k / n * plotW;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, top + plotH, x, top + plotH + 4,
                    x, top + plotH + 16, esc(Fmt.tick(xVals.get(k)))));
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", left,
                top + plotH, w - right, top + plotH));
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                left + plotW / 2.0, top + plotH + 30, esc(xName)));
        int legendIndex = 0;
        for (Line l : lines) {
            StringBuilder path = new StringBuilder();
            for (double[] p : l.points()) {
                double x = xVals.size() == 1 ? left + plotW / 2.0 : left + p[0] / n * plotW;
                double y = top + plotH - p[1] / yMax * plotH;
                path.append(path.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s: %s"
                        + "</title></circle>", x, y, l.color(), esc(l.name()), esc(Fmt.num(p[1]))));
            }
            sb.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(l.color())
                    .append("\" stroke-width=\"2\"").append(l.dashed() ? " stroke-dasharray=\"5 4\"" : "").append("/>");
            if (!l.dashed()) {
                int[] pos = legendPos.get(legendIndex++);
                int legendY = top + plotH + 50 + 16 * pos[1];
                sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                        + "<text x=\"%d\" y=\"%d\">%s</text>", pos[0], legendY - 9, l.color(), pos[0] + 14, legendY,
                        esc(l.name())));
            }
        }
        sb.append("</svg>");
        return sb.toString();
    }

    static double niceStep(double max) {
        if (max <= 0) {
            return 1;
        }
        double raw = max / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / mag;
        return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
    }

    private static void row(StringBuilder sb, String k, String v) {
        sb.append("<tr><th>").append(esc(k)).append("</th><td style=\"text-align:left\">").append(esc(v))
                .append("</td></tr>");
    }

    /** Converts the pipe tables of {@link TableReport} to HTML tables; other lines become paragraphs. */
    static String markdownTablesAsHtml(String md) {
        StringBuilder sb = new StringBuilder();
        boolean inTable = false;
        boolean header = false;
        for (String line : md.split("\n")) {
            if (line.startsWith("|")) {
                if (line.startsWith("|---")) {
                    continue;
                }
                if (!inTable) {
                    sb.append("<table>");
                    inTable = true;
                    header = true;
                }
                String[] cells = line.substring(1, line.length() - 1).split("\\|");
                sb.append("<tr>");
                for (String c : cells) {
                    sb.append(header ? "<th>" : "<td>").append(esc(c.trim())).append(header ? "</th>" : "</td>");
                }
                sb.append("</tr>");
                header = false;
            } else {
                if (inTable) {
                    sb.append("</table>");
                    inTable = false;
                }
                if (!line.isBlank() && !line.startsWith("kiban bench") && !line.startsWith("machine:")
                        && !line.startsWith("label:") && !line.startsWith("note:")) {
                    sb.append("<p>").append(esc(line)).append("</p>");
                }
            }
        }
        if (inTable) {
            sb.append("</table>");
        }
        return sb.toString();
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

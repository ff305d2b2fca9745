package io.kiban.server.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Prints JSON objects as an aligned text table of chosen fields (a field may be a dotted path). */
public final class Table {
    private Table() {}

    public static void print(PrintStream out, Iterable<JsonNode> rows, String... fields) {
        List<String[]> cells = new ArrayList<>();
        cells.add(fields.clone());
        for (JsonNode row : rows) {
            String[] line = new String[fields.length];
            for (int i = 0; i < fields.length; i++) {
                JsonNode v = row;
                for (String part : fields[i].split("\\.")) {
                    v = v.path(part);
                }
                line[i] = v.isMissingNode() || v.isNull() ? "-" : v.isValueNode() ? v.asString() : v.toString();
            }
            cells.add(line);
        }
        int[] width = new int[fields.length];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                width[i] = Math.max(width[i], line[i].length());
            }
        }
        for (String[] line : cells) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                sb.append(i == 0 ? "" : "  ").append(line[i]);
                if (i < line.length - 1) {
                    sb.append(" ".repeat(width[i] - line[i].length()));
                }
            }
            out.println(sb);
        }
    }
}

package io.kiban.control.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command line of a {@code command} runtime, such as {@code llama-server -m {model} --port {port}} or
 * {@code vllm serve {model} --port {port} --api-key {token}}: split into arguments once, placeholders filled per
 * replica.
 *
 * <p>No shell is involved: arguments are split on whitespace, and single or double quotes keep spaces inside one
 * argument ({@code --chat-template 'a b'}). Placeholders: {@code {port}} (required: the loopback port the program
 * must listen on), {@code {host}} ({@code 127.0.0.1}), {@code {model}}, {@code {name}} (the deployment),
 * {@code {replica}} (the replica id) and {@code {token}} (a per-replica secret; when used, Kiban sends it as
 * {@code Authorization: Bearer}). Any other {@code {word}} is an error, so a typo does not reach the program.
 */
public final class CommandTemplate {
    public static final Set<String> PLACEHOLDERS = Set.of("port", "host", "model", "name", "replica", "token");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_]+)}");

    private final List<String> args;

    private CommandTemplate(List<String> args) {
        this.args = args;
    }

    /**
     * Splits and checks a template.
     *
     * @throws IllegalArgumentException naming what is wrong (no program, unclosed quote, unknown placeholder, no
     *     {@code {port}})
     */
    public static CommandTemplate parse(String template) {
        List<String> args = split(template);
        if (args.isEmpty()) {
            throw new IllegalArgumentException("command: the template is empty");
        }
        boolean port = false;
        for (String a : args) {
            Matcher m = PLACEHOLDER.matcher(a);
            while (m.find()) {
                if (!PLACEHOLDERS.contains(m.group(1))) {
                    throw new IllegalArgumentException("command: unknown placeholder {" + m.group(1)
                            + "}; use {port}, {host}, {model}, {name}, {replica} or {token}");
                }
                port |= m.group(1).equals("port");
            }
        }
        if (!port) {
            throw new IllegalArgumentException("command: the template must contain {port}, the port the program "
                    + "listens on (for example: llama-server -m {model} --port {port})");
        }
        return new CommandTemplate(List.copyOf(args));
    }

    /** Whether the template uses a placeholder, given without braces ({@code "model"}). */
    public boolean uses(String placeholder) {
        String p = "{" + placeholder + "}";
        return args.stream().anyMatch(a -> a.contains(p));
    }

    /** The arguments with every placeholder replaced; {@code values} must hold each placeholder used. */
    public List<String> render(Map<String, String> values) {
        List<String> out = new ArrayList<>(args.size());
        for (String a : args) {
            Matcher m = PLACEHOLDER.matcher(a);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String v = values.get(m.group(1));
                if (v == null) {
                    throw new IllegalArgumentException("no value for {" + m.group(1) + "}");
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(v));
            }
            m.appendTail(sb);
            out.add(sb.toString());
        }
        return out;
    }

    public List<String> args() {
        return args;
    }

    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inArg = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inArg = true;
            } else if (Character.isWhitespace(c)) {
                if (inArg) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inArg = false;
                }
            } else {
                cur.append(c);
                inArg = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("command: unclosed " + quote + " quote");
        }
        if (inArg) {
            out.add(cur.toString());
        }
        return out;
    }
}

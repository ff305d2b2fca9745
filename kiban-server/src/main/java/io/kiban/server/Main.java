package io.kiban.server;

import io.kiban.server.cli.KibanCommand;
import io.kiban.worker.WorkerMain;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * The {@code kiban} command. {@code kiban worker} goes straight to the worker's own main method, so a worker process
 * never loads Spring or picocli; every other command is parsed by picocli.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("worker")) {
            WorkerMain.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        int code = new CommandLine(new KibanCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (code != 0 || !(args.length > 0 && args[0].equals("serve"))) {
            System.exit(code);
        }
    }
}

package io.kiban.server;

import io.kiban.bench.BenchMain;
import io.kiban.bench.sim.SimulatorMain;
import io.kiban.server.cli.KibanCommand;
import io.kiban.worker.WorkerMain;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * The {@code kiban} command. {@code kiban worker}, {@code kiban bench} and {@code kiban simulate} go straight to their
 * own main methods (a worker process never loads Spring); every other command is parsed here by picocli.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
        switch (args.length > 0 ? args[0] : "") {
            case "worker" -> {
                WorkerMain.main(rest);
                return;
            }
            case "bench" -> {
                BenchMain.main(rest);
                return;
            }
            case "simulate" -> {
                SimulatorMain.main(rest);
                return;
            }
            default -> { }
        }
        int code = new CommandLine(new KibanCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (code != 0 || !(args.length > 0 && args[0].equals("serve"))) {
            System.exit(code);
        }
    }
}

package dev.grid.jmh;

import dev.grid.core.JvmFlags;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * JMH's command line, with the grid's JVM flags appended to every fork so benchmarks run exactly as the grid does:
 * {@code java -jar jmh/target/benchmarks.jar [JMH options] [benchmark regex]}.
 */
public final class BenchmarkRunner
{
    private BenchmarkRunner()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final CommandLineOptions commandLine = new CommandLineOptions(args);
        if (commandLine.shouldHelp() || commandLine.shouldList() || commandLine.shouldListWithParams() ||
            commandLine.shouldListProfilers() || commandLine.shouldListResultFormats())
        {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        new Runner(new OptionsBuilder()
            .parent(commandLine)
            .jvmArgsAppend(JvmFlags.required().toArray(new String[0]))
            .build())
            .run();
    }
}

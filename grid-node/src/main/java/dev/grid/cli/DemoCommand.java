package dev.grid.cli;

import dev.grid.node.GridDemo;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code grid demo}: the README's demo ({@link GridDemo}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Starts a 3-node cluster in this JVM (UDP on loopback), writes and reads 10,000 keys, takes a " +
        "fenced lock and shows a stale token refused, stops the leader, shows the new leader serving and every " +
        "acknowledged write present, and stops everything it started.")
final class DemoCommand implements Callable<Integer>
{
    public Integer call() throws Exception
    {
        GridDemo.main(new String[0]);
        return GridCli.OK;
    }
}

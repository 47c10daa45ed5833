package dev.grid.cli;

import dev.grid.client.GridClient;
import dev.grid.sbe.ReadConsistency;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code grid put|get|remove CACHE KEY [VALUE]}: one command each, through a client session that closes on exit.
 * Keys and values are UTF-8 text.
 */
final class CacheCommands
{
    private CacheCommands()
    {
    }

    /**
     * What every cache command takes: the cluster, a cache and a key.
     */
    abstract static class KeyCommand implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        ClientOptions cluster;

        @Parameters(index = "0", paramLabel = "CACHE", description = "a cache the cluster serves (grid.caches)")
        String cache;

        @Parameters(index = "1", paramLabel = "KEY")
        String key;

        int notFound()
        {
            spec.commandLine().getErr().println(spec.qualifiedName() + ": " + cache + " holds no key " + key);
            return GridCli.NO;
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
        description = "Stores VALUE under KEY in CACHE; prints the entry's version once a majority committed it.")
    static final class Put extends KeyCommand
    {
        @Parameters(index = "2", paramLabel = "VALUE")
        String value;

        public Integer call()
        {
            try (GridClient client = cluster.connect())
            {
                final long version = client.cache(cache).put(key, value);
                spec.commandLine().getOut().println("ok version=" + version);
                return GridCli.OK;
            }
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
        description = "Prints the value of KEY in CACHE; exit code 1 if the cache does not hold it.")
    static final class Get extends KeyCommand
    {
        @Option(names = "--local",
            description = "read the nearest replica's copy (fastest, may be stale) instead of a linearizable read " +
                "through the leader")
        boolean local;

        public Integer call()
        {
            try (GridClient client = cluster.connect())
            {
                final String found = client.cache(cache).get(
                    key, local ? ReadConsistency.LOCAL : ReadConsistency.LINEARIZABLE);
                if (null == found)
                {
                    return notFound();
                }
                spec.commandLine().getOut().println(found);
                return GridCli.OK;
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
        description = "Removes KEY from CACHE; exit code 1 if the cache did not hold it.")
    static final class Remove extends KeyCommand
    {
        public Integer call()
        {
            try (GridClient client = cluster.connect())
            {
                if (!client.cache(cache).remove(key))
                {
                    return notFound();
                }
                spec.commandLine().getOut().println("removed");
                return GridCli.OK;
            }
        }
    }
}

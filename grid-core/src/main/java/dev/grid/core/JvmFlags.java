package dev.grid.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The JVM flags every grid JVM needs (module exports and opens for Agrona, SBE and Chronicle; Chronicle's analytics
 * off). They are defined once, in the parent pom, and published here so that JMH forks, child JVMs started by tests
 * and the bin/ scripts ({@code java -cp grid-core.jar dev.grid.core.JvmFlags}) use the same list.
 */
public final class JvmFlags
{
    static final String RESOURCE = "/META-INF/grid/jvm.options";

    private JvmFlags()
    {
    }

    /**
     * @return the flags, one element each.
     */
    public static List<String> required()
    {
        try (InputStream in = JvmFlags.class.getResourceAsStream(RESOURCE))
        {
            if (null == in)
            {
                throw new IllegalStateException("missing resource " + RESOURCE + ": grid-core was not built by Maven");
            }
            final String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            if (text.isEmpty() || text.contains("${"))
            {
                throw new IllegalStateException("resource " + RESOURCE + " was not filtered: " + text);
            }
            return List.of(text.split("\\s+"));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Prints the flags on one line, for shell scripts.
     *
     * @param args ignored.
     */
    public static void main(final String[] args)
    {
        System.out.println(String.join(" ", required()));
    }
}

package dev.grid.bench;

import org.HdrHistogram.Histogram;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A latency-by-percentile plot (the layout of HdrHistogram's plotter: percentiles spread on a log scale of
 * 1 / (1 - p) so the tail gets as much room as the median) written as a PNG with the JDK's own imaging, so a
 * benchmark run needs no plotting tool. Latency is on a log scale too: series that differ by orders of magnitude
 * (an in-process grid and a JVM-based peer) stay readable on one chart.
 */
public final class LatencyPlot
{
    /**
     * One line of the plot.
     *
     * @param name      legend text.
     * @param histogram latencies in nanoseconds.
     */
    public record Series(String name, Histogram histogram)
    {
        public Series
        {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(histogram, "histogram");
        }
    }

    private static final int WIDTH = 1100;
    private static final int HEIGHT = 650;
    private static final int LEFT = 90;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 70;
    private static final double X_STEP = 0.01;
    private static final Color[] PALETTE =
        {
            new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)
        };

    private LatencyPlot()
    {
    }

    /**
     * Write the plot of the given series to a PNG file.
     *
     * @param file   where the PNG goes (parent directories are created).
     * @param title  chart title.
     * @param series at least one series with at least one recorded value.
     * @throws IOException if the file cannot be written or the JVM has no fonts to draw text with.
     */
    public static void writePng(final Path file, final String title, final List<Series> series) throws IOException
    {
        if (series.isEmpty())
        {
            throw new IllegalArgumentException("nothing to plot: no series");
        }
        for (final Series s : series)
        {
            if (s.histogram().getTotalCount() == 0)
            {
                throw new IllegalArgumentException("nothing to plot: series '" + s.name() + "' has no values");
            }
        }

        final BufferedImage image = render(title, series);
        final Path parent = file.toAbsolutePath().getParent();
        if (null != parent)
        {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(image, "png", file.toFile()))
        {
            throw new IOException("this JVM has no PNG writer");
        }
    }

    /**
     * The highest percentile exponent a histogram resolves: log10 of its count, so a line never claims a tail
     * percentile it did not sample (10,000 values reach 99.99%).
     */
    static double maxExponent(final Histogram histogram)
    {
        return Math.max(1.0, Math.log10(histogram.getTotalCount()));
    }

    static double percentileAt(final double exponent)
    {
        return 100.0 * (1.0 - Math.pow(10.0, -exponent));
    }

    private static BufferedImage render(final String title, final List<Series> series) throws IOException
    {
        double xMax = 1.0;
        long minValue = Long.MAX_VALUE;
        long maxValue = 1;
        for (final Series s : series)
        {
            xMax = Math.max(xMax, maxExponent(s.histogram()));
            minValue = Math.min(minValue, Math.max(1, s.histogram().getMinValue()));
            maxValue = Math.max(maxValue, s.histogram().getMaxValue());
        }
        xMax = Math.ceil(xMax);
        final double yLow = Math.floor(Math.log10(minValue));
        final double yHigh = Math.max(yLow + 1, Math.ceil(Math.log10(maxValue)));

        final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        try
        {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));

            final Frame frame = new Frame(xMax, yLow, yHigh);
            drawAxes(g, frame, title);
            for (int i = 0; i < series.size(); i++)
            {
                drawSeries(g, frame, series.get(i).histogram(), PALETTE[i % PALETTE.length]);
            }
            drawLegend(g, series);
        }
        catch (final Error | RuntimeException ex)
        {
            // Headless JDKs without fontconfig fail on the first text drawn; say how to fix it.
            throw new IOException("cannot draw the plot (are fonts installed? e.g. fontconfig and fonts-dejavu-core): " +
                ex, ex);
        }
        finally
        {
            g.dispose();
        }

        return image;
    }

    private record Frame(double xMax, double yLow, double yHigh)
    {
        int x(final double exponent)
        {
            return LEFT + (int)Math.round(exponent / xMax * (WIDTH - LEFT - RIGHT));
        }

        int y(final double nanos)
        {
            final double log = Math.log10(Math.max(1.0, nanos));
            return HEIGHT - BOTTOM - (int)Math.round((log - yLow) / (yHigh - yLow) * (HEIGHT - TOP - BOTTOM));
        }
    }

    private static void drawAxes(final Graphics2D g, final Frame frame, final String title)
    {
        final FontMetrics metrics = g.getFontMetrics();
        final Color grid = new Color(0xdddddd);
        for (int decade = 0; decade <= (int)frame.xMax(); decade++)
        {
            final int x = frame.x(decade);
            g.setColor(grid);
            g.drawLine(x, TOP, x, HEIGHT - BOTTOM);
            g.setColor(Color.BLACK);
            final String label = percentileLabel(decade);
            g.drawString(label, x - metrics.stringWidth(label) / 2, HEIGHT - BOTTOM + 18);
        }
        for (int decade = (int)frame.yLow(); decade <= (int)frame.yHigh(); decade++)
        {
            final int y = frame.y(Math.pow(10, decade));
            g.setColor(grid);
            g.drawLine(LEFT, y, WIDTH - RIGHT, y);
            g.setColor(Color.BLACK);
            final String label = nanosLabel(Math.pow(10, decade));
            g.drawString(label, LEFT - 8 - metrics.stringWidth(label), y + metrics.getAscent() / 2);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        g.drawString("percentile", (WIDTH - metrics.stringWidth("percentile")) / 2, HEIGHT - 25);
        g.drawString("latency", 10, TOP - 10);
        g.setFont(g.getFont().deriveFont(Font.BOLD, 16f));
        g.drawString(title, (WIDTH - g.getFontMetrics().stringWidth(title)) / 2, 30);
        g.setFont(g.getFont().deriveFont(Font.PLAIN, 13f));
    }

    private static void drawSeries(final Graphics2D g, final Frame frame, final Histogram histogram, final Color color)
    {
        final double last = maxExponent(histogram);
        final Path2D.Double line = new Path2D.Double();
        line.moveTo(frame.x(0), frame.y(histogram.getValueAtPercentile(0)));
        for (double exponent = X_STEP; exponent < last; exponent += X_STEP)
        {
            line.lineTo(frame.x(exponent), frame.y(histogram.getValueAtPercentile(percentileAt(exponent))));
        }
        line.lineTo(frame.x(last), frame.y(histogram.getMaxValue()));
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        g.draw(line);
        g.setStroke(new BasicStroke(1f));
    }

    private static void drawLegend(final Graphics2D g, final List<Series> series)
    {
        final FontMetrics metrics = g.getFontMetrics();
        final int x = LEFT + 15;
        int y = TOP + 20;
        for (int i = 0; i < series.size(); i++)
        {
            final Histogram histogram = series.get(i).histogram();
            final String text = series.get(i).name() +
                "   p50 " + nanosLabel(histogram.getValueAtPercentile(50)) +
                "   p99 " + nanosLabel(histogram.getValueAtPercentile(99)) +
                "   max " + nanosLabel(histogram.getMaxValue()) +
                "   n=" + histogram.getTotalCount();
            g.setColor(PALETTE[i % PALETTE.length]);
            g.fillRect(x, y - metrics.getAscent() + 3, 18, 4);
            g.setColor(Color.BLACK);
            g.drawString(text, x + 26, y);
            y += metrics.getHeight() + 4;
        }
    }

    static String percentileLabel(final int decade)
    {
        return switch (decade)
        {
            case 0 -> "0%";
            case 1 -> "90%";
            case 2 -> "99%";
            default -> "99." + "9".repeat(decade - 2) + "%";
        };
    }

    /** A latency in the unit that keeps it short: 850 ns, 12.3 µs, 4.56 ms, 1.2 s. */
    public static String nanosLabel(final double nanos)
    {
        if (nanos < 1_000)
        {
            return String.format("%.0f ns", nanos);
        }
        if (nanos < 1_000_000)
        {
            return trim(nanos / 1e3) + " µs";
        }
        if (nanos < 1_000_000_000)
        {
            return trim(nanos / 1e6) + " ms";
        }
        return trim(nanos / 1e9) + " s";
    }

    private static String trim(final double value)
    {
        return value >= 100 || value == Math.rint(value) ? String.format("%.0f", value) : value >= 10 ? String.format("%.1f", value) :
            String.format("%.2f", value);
    }
}

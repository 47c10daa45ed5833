package dev.grid.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LatencyPlotTest
{
    @TempDir
    Path dir;

    @Test
    void writesAPngWithOneColouredLinePerSeries() throws IOException
    {
        final Histogram fast = new Histogram(3);
        final Histogram slow = new Histogram(3);
        for (int i = 1; i <= 10_000; i++)
        {
            fast.recordValue(10_000 + i);
            slow.recordValue(1_000_000 + 100L * i);
        }

        final Path png = dir.resolve("plots/latency.png");
        LatencyPlot.writePng(png, "put round trip", List.of(
            new LatencyPlot.Series("grid", fast), new LatencyPlot.Series("peer", slow)));

        final BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1100);
        assertThat(image.getHeight()).isEqualTo(650);
        assertThat(countPixels(image, 0x1f77b4)).as("first series' colour").isGreaterThan(500);
        assertThat(countPixels(image, 0xd62728)).as("second series' colour").isGreaterThan(500);
        assertThat(lowestRowOf(image, 0xd62728)).as("the slower series is drawn higher")
            .isLessThan(lowestRowOf(image, 0x1f77b4));
    }

    @Test
    void refusesAnEmptySeriesWithItsName()
    {
        assertThatThrownBy(() -> LatencyPlot.writePng(dir.resolve("x.png"), "t",
            List.of(new LatencyPlot.Series("empty run", new Histogram(3)))))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("empty run");
        assertThatThrownBy(() -> LatencyPlot.writePng(dir.resolve("x.png"), "t", List.of()))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void labelsPercentilesAndLatencies()
    {
        assertThat(LatencyPlot.percentileLabel(0)).isEqualTo("0%");
        assertThat(LatencyPlot.percentileLabel(1)).isEqualTo("90%");
        assertThat(LatencyPlot.percentileLabel(2)).isEqualTo("99%");
        assertThat(LatencyPlot.percentileLabel(4)).isEqualTo("99.99%");
        assertThat(LatencyPlot.percentileAt(3)).isEqualTo(99.9, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(LatencyPlot.nanosLabel(850)).isEqualTo("850 ns");
        assertThat(LatencyPlot.nanosLabel(12_345)).isEqualTo("12.3 µs");
        assertThat(LatencyPlot.nanosLabel(4_560_000)).isEqualTo("4.56 ms");
        assertThat(LatencyPlot.nanosLabel(250_000_000)).isEqualTo("250 ms");
        assertThat(LatencyPlot.nanosLabel(10_000_000)).isEqualTo("10 ms");
    }

    private static int countPixels(final BufferedImage image, final int rgb)
    {
        int count = 0;
        for (int y = 0; y < image.getHeight(); y++)
        {
            for (int x = 0; x < image.getWidth(); x++)
            {
                if ((image.getRGB(x, y) & 0xffffff) == rgb)
                {
                    count++;
                }
            }
        }
        return count;
    }

    private static int lowestRowOf(final BufferedImage image, final int rgb)
    {
        // the legend swatches sit at the top; measure the line at the middle of the x axis
        final int x = image.getWidth() / 2;
        for (int y = 0; y < image.getHeight(); y++)
        {
            if ((image.getRGB(x, y) & 0xffffff) == rgb)
            {
                return y;
            }
        }
        return Integer.MAX_VALUE;
    }
}

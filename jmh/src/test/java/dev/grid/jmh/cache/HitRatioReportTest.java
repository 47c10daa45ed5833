package dev.grid.jmh.cache;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HitRatioReportTest
{
    @Test
    void theDifferenceOfTwoSeedSeriesCarriesItsWelchInterval()
    {
        // Means 2 and 1; sample variances 1 and 0; standard error sqrt(1/3 + 0/4); 1.96 of it is 1.1316.
        assertThat(HitRatioReport.difference(new double[] {1, 2, 3}, new double[] {1, 1, 1, 1}))
            .isEqualTo("+1.0000 [-0.1316, +2.1316]");
        assertThat(HitRatioReport.difference(new double[] {0.25, 0.25}, new double[] {0.5, 0.5}))
            .isEqualTo("-0.2500 [-0.2500, -0.2500]");
        assertThat(HitRatioReport.difference(new double[] {0.3}, new double[] {0.1, 0.2})).isEqualTo("+0.1500 [n/a]");
    }
}

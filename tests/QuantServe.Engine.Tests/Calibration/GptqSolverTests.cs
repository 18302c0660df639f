using QuantServe.Engine.Calibration;

namespace QuantServe.Engine.Tests.Calibration;

public sealed class GptqSolverTests
{
    [Theory]
    [InlineData(4, 32, false, true)]
    [InlineData(4, 32, true, true)]
    [InlineData(3, 64, true, false)]
    [InlineData(4, -1, false, true)]
    [InlineData(2, -1, true, true)]
    [InlineData(8, 128, true, false)]
    public void Update_MatchesAFloat64ReferenceImplementation(int bits, int groupSize, bool actOrder, bool sym)
    {
        const int n = 48, k = 256, rows = 600;
        var x = CorrelatedInputs.Create(rows, k, seed: 3);
        var w = CorrelatedInputs.Weight(n, k, seed: 4);
        var (exact, single) = CorrelatedInputs.Hessian(x, rows, k);
        var options = new GptqOptions { Bits = bits, GroupSize = groupSize, ActOrder = actOrder, Sym = sym, PercDamp = 0.01 };

        var result = GptqSolver.Quantize(w, n, k, single, options);
        var reference = ReferenceGptq.Quantize(w, n, k, exact, bits, groupSize, sym, actOrder, 0.01);

        result.GroupIndex.Should().Equal(reference.GroupIndex);
        int same = 0;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < k; c++)
                same += result.Codes[r * k + c] == reference.Codes[r, c] ? 1 : 0;
        // fp32 against fp64: a code on a rounding boundary may flip, and later columns then adjust.
        ((double)same / (n * k)).Should().BeGreaterThan(0.99, "codes agree with the float64 reference");
        int groups = result.Groups, closeScales = 0;
        for (int g = 0; g < groups; g++)
            for (int r = 0; r < n; r++)
                closeScales += Math.Abs(result.Scales[g * n + r] - reference.Scales[g, r]) <= 1e-3 * reference.Scales[g, r] && result.Zeros[g * n + r] == reference.Zeros[g, r] ? 1 : 0;
        ((double)closeScales / (groups * n)).Should().BeGreaterThan(0.97, "group grids agree with the float64 reference");
    }

    [Theory]
    [InlineData(4, 128, false)]
    [InlineData(3, 128, false)]
    [InlineData(4, 128, true)]
    [InlineData(3, -1, true)]
    public void OnCorrelatedInputs_GptqOutputErrorIsWellBelowRtn(int bits, int groupSize, bool actOrder)
    {
        const int n = 64, k = 256, rows = 512;
        var x = CorrelatedInputs.Create(rows, k, seed: 11);
        var w = CorrelatedInputs.Weight(n, k, seed: 12);
        var (_, h) = CorrelatedInputs.Hessian(x, rows, k);
        var options = new GptqOptions { Bits = bits, GroupSize = groupSize, ActOrder = actOrder };

        var gptq = GptqSolver.Quantize(w, n, k, h, options).Dequantize();
        var rtn = RoundToNearest.Quantize(w, n, k, options).Dequantize();

        // Fresh inputs from the same distribution: the gain is not overfitting to the calibration rows.
        var test = CorrelatedInputs.Create(rows, k, seed: 13);
        double gptqError = CorrelatedInputs.OutputError(w, gptq, test, n, k, rows);
        double rtnError = CorrelatedInputs.OutputError(w, rtn, test, n, k, rows);
        gptqError.Should().BeLessThan(0.6 * rtnError, $"GPTQ {gptqError:G4} vs RTN {rtnError:G4}");
    }

    [Fact]
    public void LazyBatchSize_DoesNotChangeTheResultBeyondRounding()
    {
        const int n = 32, k = 192, rows = 400;
        var x = CorrelatedInputs.Create(rows, k, seed: 21);
        var w = CorrelatedInputs.Weight(n, k, seed: 22);
        var (_, h) = CorrelatedInputs.Hessian(x, rows, k);
        var lazy = GptqSolver.Quantize(w, n, k, (float[])h.Clone(), new GptqOptions { GroupSize = 48, ActOrder = true, BlockSize = 128 });
        var eager = GptqSolver.Quantize(w, n, k, (float[])h.Clone(), new GptqOptions { GroupSize = 48, ActOrder = true, BlockSize = 1 });
        lazy.GroupIndex.Should().Equal(eager.GroupIndex);
        lazy.Codes.Zip(eager.Codes).Count(p => p.First == p.Second).Should().BeGreaterThan((int)(0.99 * n * k));
    }

    [Fact]
    public void APreparedHessian_SharedByProjections_GivesWhatEachWouldGetAlone()
    {
        const int k = 96, rows = 300;
        var x = CorrelatedInputs.Create(rows, k, seed: 61);
        for (int i = 0; i < rows; i++)
            x[i * k + 7] = 0;
        var (_, h) = CorrelatedInputs.Hessian(x, rows, k);
        var options = new GptqOptions { GroupSize = 32, ActOrder = true };
        var prepared = GptqSolver.Prepare((float[])h.Clone(), k, options);
        foreach (var (n, seed) in new[] { (32, 62), (64, 63) })
        {
            var w = CorrelatedInputs.Weight(n, k, seed);
            var shared = GptqSolver.Quantize(w, n, prepared, options);
            var alone = GptqSolver.Quantize(w, n, k, (float[])h.Clone(), options);
            shared.Codes.Should().Equal(alone.Codes);
            shared.Scales.Should().Equal(alone.Scales);
            shared.GroupIndex.Should().Equal(alone.GroupIndex);
        }
        var other = () => GptqSolver.Quantize(new float[32 * k], 32, prepared, options with { ActOrder = false });
        other.Should().Throw<ArgumentException>().WithMessage("*another act-order*");
    }

    [Fact]
    public void DeadInputColumns_AreZeroedAndTheRestStillSolves()
    {
        const int n = 16, k = 64, rows = 200;
        var x = CorrelatedInputs.Create(rows, k, seed: 31);
        for (int t = 0; t < rows; t++)
            x[t * k + 5] = 0;
        var w = CorrelatedInputs.Weight(n, k, seed: 32);
        var (_, h) = CorrelatedInputs.Hessian(x, rows, k);
        var q = GptqSolver.Quantize(w, n, k, h, new GptqOptions { GroupSize = -1 });
        var dequantized = q.Dequantize();
        for (int r = 0; r < n; r++)
            dequantized[r * k + 5].Should().Be(0, "a column no input reaches is quantized from 0");
        dequantized.Should().OnlyContain(v => float.IsFinite(v));
    }

    [Fact]
    public void InverseHessianFactor_IsTheUpperCholeskyFactorOfTheInverse()
    {
        const int k = 150;
        var x = CorrelatedInputs.Create(400, k, seed: 41);
        var (exact, single) = CorrelatedInputs.Hessian(x, 400, k);
        for (int i = 0; i < k; i++)
        {
            exact[i, i] += 1;
            single[i * k + i] += 1;
        }
        InverseHessianFactor.Compute(single, k);
        var expected = ReferenceGptq.UpperCholesky(ReferenceGptq.Invert(exact), k);
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                ((double)single[i * k + j]).Should().BeApproximately(expected[i, j], 1e-4 * Math.Abs(expected[i, i]) + 1e-7, $"U[{i}, {j}]");
    }

    [Fact]
    public void ANonPositiveDefiniteHessian_IsReportedWithTheRemedy()
    {
        var h = new float[4 * 4];
        h[0] = 1;
        h[5] = 1;
        h[10] = 1;
        h[15] = 1;
        h[1] = h[4] = 5; // |off-diagonal| > diagonal: indefinite even after 1% damping
        var act = () => GptqSolver.Quantize(new float[32 * 4], 32, 4, h, new GptqOptions { GroupSize = -1 });
        act.Should().Throw<InvalidOperationException>().WithMessage("*not positive definite*--percdamp*");
    }
}

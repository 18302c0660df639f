namespace QuantServe.Kernels.Cuda.Weights;

/// <summary>A linear layer's weights on the GPU in one format, [OutFeatures, InFeatures]; <see cref="CudaKernels.Gemv"/> runs them.</summary>
public interface ICudaGemvWeights : IDisposable
{
    /// <summary>Short name for logs and benchmarks, e.g. "gptq-4bit", "nf4", "fp16".</summary>
    string Format { get; }

    int InFeatures { get; }

    int OutFeatures { get; }

    /// <summary>Bytes a GEMV reads from device memory for the weights (codes, scales, zeros, tables).</summary>
    long WeightBytes { get; }
}

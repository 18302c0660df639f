using QuantServe.Operator.Entities;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Tests.Support;

/// <summary>The user-facing samples in crds/samples/, read the way the API server would (YAML to JSON).</summary>
public static class Samples
{
    public static string Directory => RepositoryRoot.Combine("crds", "samples");

    public static IEnumerable<string> InferenceServiceFiles =>
        System.IO.Directory.GetFiles(Directory, "inferenceservice-*.yaml").OrderBy(f => f, StringComparer.Ordinal);

    public static TheoryData<string> InferenceServiceNames()
    {
        var data = new TheoryData<string>();
        foreach (var file in InferenceServiceFiles) data.Add(System.IO.Path.GetFileNameWithoutExtension(file));
        return data;
    }

    public static V1Alpha1InferenceService LoadInferenceService(string name)
    {
        var path = System.IO.Path.Combine(Directory, name + ".yaml");
        var service = KubeJson.FromNode<V1Alpha1InferenceService>(YamlJsonConverter.FromYaml(File.ReadAllText(path), path));
        // What the API server adds on create; fixed so the golden files are stable.
        service.Metadata.Uid = "00000000-0000-0000-0000-000000000001";
        service.Metadata.Generation = 1;
        return service;
    }

    public static V1Alpha1QuantizationJob LoadQuantizationJob(string name = "quantizationjob")
    {
        var path = System.IO.Path.Combine(Directory, name + ".yaml");
        var job = KubeJson.FromNode<V1Alpha1QuantizationJob>(YamlJsonConverter.FromYaml(File.ReadAllText(path), path));
        job.Metadata.Uid = "00000000-0000-0000-0000-000000000002";
        job.Metadata.Generation = 1;
        return job;
    }
}

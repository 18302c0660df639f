using QuantServe.Operator.Builders;
using QuantServe.Operator.Entities;
using QuantServe.Operator.Tests.Support;

namespace QuantServe.Operator.Tests.Builders;

public class DeploymentBuilderTests
{
    [Fact]
    public void ShardedService_AsksForOneGpuPerShardAndPassesNumShard()
    {
        var service = Samples.LoadInferenceService("inferenceservice-awq");
        var deployment = DeploymentBuilder.Build(service, "cache", null, "img");
        var container = deployment.Spec.Template.Spec.Containers.Single();
        container.Resources.Limits["nvidia.com/gpu"].ToString().Should().Be("2");
        container.Resources.Requests["nvidia.com/gpu"].ToString().Should().Be("2");
        container.Args.Should().ContainInOrder("serve", "--model-id", "TheBloke/Mistral-7B-Instruct-v0.2-AWQ");
        container.Args.Should().ContainInOrder("--quantize", "awq").And.ContainInOrder("--num-shard", "2").And.ContainInOrder("--port", "8080");
        deployment.Spec.Replicas.Should().Be(2);
    }

    [Fact]
    public void Pods_MountShmAsMemoryAndTheCacheAsHfHome_WithTokenFromTheSecret()
    {
        var service = Samples.LoadInferenceService("inferenceservice-bitsandbytes-nf4");
        var pod = DeploymentBuilder.Build(service, "llama-nf4-model-cache", null, "img").Spec.Template.Spec;
        pod.Volumes.Should().Contain(v => v.Name == "shm" && v.EmptyDir.Medium == "Memory");
        pod.Volumes.Should().Contain(v => v.PersistentVolumeClaim != null && v.PersistentVolumeClaim.ClaimName == "llama-nf4-model-cache");
        var container = pod.Containers.Single();
        container.VolumeMounts.Should().Contain(m => m.Name == "shm" && m.MountPath == "/dev/shm");
        container.Env.Should().Contain(e => e.Name == "HF_HOME" && e.Value == "/data");
        container.Env.Should().Contain(e => e.Name == "HF_TOKEN" && e.ValueFrom.SecretKeyRef.Name == "hf-token" && e.ValueFrom.SecretKeyRef.Key == "token");
    }

    [Fact]
    public void Container_IsLockedDown_AndProbesHealth_WithStartupSizedByTheTimeout()
    {
        var service = Samples.LoadInferenceService("inferenceservice-exl2");
        var pod = DeploymentBuilder.Build(service, "c", null, "img").Spec.Template.Spec;
        var container = pod.Containers.Single();
        pod.SecurityContext.RunAsNonRoot.Should().BeTrue();
        container.SecurityContext.ReadOnlyRootFilesystem.Should().BeTrue();
        container.SecurityContext.AllowPrivilegeEscalation.Should().BeFalse();
        container.SecurityContext.Capabilities.Drop.Should().Equal("ALL");
        container.ReadinessProbe.HttpGet.Path.Should().Be("/health");
        (container.StartupProbe.PeriodSeconds * container.StartupProbe.FailureThreshold).Should().Be(3600);
        container.Args.Should().ContainInOrder("--revision", "4.0bpw");
    }

    [Fact]
    public void CalibratedModel_IsServedFromTheCacheClaimPath()
    {
        var service = Samples.LoadInferenceService("inferenceservice-gptq-calibrated");
        var container = DeploymentBuilder.Build(service, "cache", "quantized/abc", "img").Spec.Template.Spec.Containers.Single();
        container.Args.Should().ContainInOrder("--model-id", "/data/quantized/abc", "--quantize", "gptq");
    }

    [Fact]
    public void PvcModel_IsMountedReadOnlyAndServedFromItsPath()
    {
        var service = Samples.LoadInferenceService("inferenceservice-none");
        service.Spec.Model.Id = "pvc://models/llama/8b";
        var pod = DeploymentBuilder.Build(service, "cache", null, "img").Spec.Template.Spec;
        pod.Volumes.Should().Contain(v => v.Name == "model-source" && v.PersistentVolumeClaim.ClaimName == "models" && v.PersistentVolumeClaim.ReadOnlyProperty == true);
        pod.Containers.Single().Args.Should().ContainInOrder("--model-id", "/models/llama/8b");
    }

    [Fact]
    public void ExistingClaim_IsUsedAndNeverCreated_AndMadeClaimIsKeptUnlessDeleteOnRemoval()
    {
        var withClaim = Samples.LoadInferenceService("inferenceservice-gptq");
        ModelCacheClaimBuilder.Build(withClaim).Should().BeNull();
        ModelCacheClaimBuilder.ClaimName(withClaim).Should().Be("shared-models");

        var made = Samples.LoadInferenceService("inferenceservice-none");
        ModelCacheClaimBuilder.Build(made)!.Metadata.OwnerReferences.Should().BeNull();
        made.Spec.Storage = new ModelCacheStorage { DeleteOnRemoval = true };
        ModelCacheClaimBuilder.Build(made)!.Metadata.OwnerReferences.Should().ContainSingle(o => o.Controller == true && o.Kind == "InferenceService");
    }

    [Fact]
    public void Service_MapsPort80ToTheContainerPort()
    {
        var service = ServiceBuilder.Build(Samples.LoadInferenceService("inferenceservice-none"));
        service.Spec.Ports.Single().Port.Should().Be(80);
        service.Spec.Ports.Single().TargetPort.Value.Should().Be("http");
        service.Metadata.OwnerReferences.Single().Controller.Should().BeTrue();
    }
}

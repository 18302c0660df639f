using k8s.Models;
using QuantServe.Operator.Controllers;
using QuantServe.Operator.Entities;
using QuantServe.Operator.Runtime;
using QuantServe.Operator.Tests.Support;
using State = QuantServe.Operator.Controllers.InferenceServiceController.CalibrationState;

namespace QuantServe.Operator.Tests.Controllers;

public class InferenceServiceStatusTests
{
    private static V1Deployment Deployment(int replicas, int available, long generation = 1, long observed = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = "d", Generation = generation },
        Spec = new V1DeploymentSpec { Replicas = replicas },
        Status = new V1DeploymentStatus
        {
            ObservedGeneration = observed,
            Replicas = replicas,
            UpdatedReplicas = replicas,
            ReadyReplicas = available,
            AvailableReplicas = available,
        },
    };

    [Fact]
    public void AvailableDeploymentOfTheCurrentGeneration_IsReady()
    {
        var service = Samples.LoadInferenceService("inferenceservice-none");
        var status = InferenceServiceController.ComputeStatus(service, Deployment(1, 1), false, State.NotRequired, "", null);
        status.Phase.Should().Be(InferenceServicePhase.Ready);
        Conditions.IsTrue(status.Conditions, "Ready").Should().BeTrue();
        Conditions.IsTrue(status.Conditions, "Progressing").Should().BeFalse();
        status.Conditions!.Should().OnlyContain(c => c.ObservedGeneration == 1);
    }

    [Fact]
    public void DeploymentNotYetObservedByItsController_IsStillDeploying()
    {
        var service = Samples.LoadInferenceService("inferenceservice-none");
        var status = InferenceServiceController.ComputeStatus(service, Deployment(1, 1, generation: 2, observed: 1), false, State.NotRequired, "", null);
        status.Phase.Should().Be(InferenceServicePhase.Deploying);
        Conditions.IsTrue(status.Conditions, "Progressing").Should().BeTrue();
    }

    [Fact]
    public void StuckRollout_IsDegraded_WithTheDeploymentMessage()
    {
        var service = Samples.LoadInferenceService("inferenceservice-none");
        var deployment = Deployment(1, 0);
        deployment.Status.Conditions = [new V1DeploymentCondition { Type = "Progressing", Status = "False", Reason = "ProgressDeadlineExceeded", Message = "ReplicaSet has timed out progressing." }];
        var status = InferenceServiceController.ComputeStatus(service, deployment, false, State.NotRequired, "", null);
        Conditions.Find(status.Conditions, "Degraded")!.Reason.Should().Be("ProgressDeadlineExceeded");
        Conditions.Find(status.Conditions, "Degraded")!.Message.Should().Contain("timed out");
    }

    [Fact]
    public void TransitionTime_MovesOnlyWhenTheStatusFlips()
    {
        var service = Samples.LoadInferenceService("inferenceservice-none");
        var first = InferenceServiceController.ComputeStatus(service, Deployment(1, 1), false, State.NotRequired, "", null);
        var pinned = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (var c in first.Conditions!) c.LastTransitionTime = pinned;
        service.Status = first;
        var again = InferenceServiceController.ComputeStatus(service, Deployment(1, 1), false, State.NotRequired, "", null);
        again.Conditions!.Should().OnlyContain(c => c.LastTransitionTime == pinned);
        var flipped = InferenceServiceController.ComputeStatus(service, Deployment(1, 0), false, State.NotRequired, "", null);
        Conditions.Find(flipped.Conditions, "Ready")!.LastTransitionTime.Should().NotBe(pinned);
        Conditions.Find(flipped.Conditions, "Degraded")!.LastTransitionTime.Should().Be(pinned);
    }
}

using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Tests.Runtime;

public class OperatorMetricsTests
{
    [Fact]
    public void Render_WritesPrometheusTextWithTypesLabelsAndHistogram()
    {
        var metrics = new OperatorMetrics();
        metrics.CountReconcile("isvc", "success");
        metrics.CountReconcile("isvc", "success");
        metrics.CountWatchRestart("deployments.apps", "expired");
        metrics.ObserveReconcileDuration("isvc", TimeSpan.FromMilliseconds(30));
        metrics.RegisterGauge("quantserve_operator_queue_depth", "controller=\"isvc\"", () => 3);
        var text = metrics.Render();
        text.Should().Contain("# TYPE quantserve_operator_reconcile_total counter\n");
        text.Should().Contain("quantserve_operator_reconcile_total{controller=\"isvc\",result=\"success\"} 2\n");
        text.Should().Contain("quantserve_operator_watch_restarts_total{resource=\"deployments.apps\",reason=\"expired\"} 1\n");
        text.Should().Contain("quantserve_operator_queue_depth{controller=\"isvc\"} 3\n");
        text.Should().Contain("quantserve_operator_reconcile_duration_seconds_bucket{controller=\"isvc\",le=\"0.05\"} 1\n");
        text.Should().Contain("quantserve_operator_reconcile_duration_seconds_bucket{controller=\"isvc\",le=\"0.025\"} 0\n");
    }
}

using System.Globalization;
using Custos.ControlPlane.Webhooks;
using Custos.Domain.Webhooks;

namespace Custos.Web.Components.Portal.Settings.Webhooks;

/// The words the webhooks pages use for an endpoint's state and times.
public static class WebhookText
{
    public static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string State(WebhookEndpointView e) => e.Enabled
        ? "Enabled"
        : e.DisabledReason == WebhookDisabledReason.Failing ? "Disabled automatically (deliveries kept failing)" : "Disabled";

    public static string Events(WebhookEndpointView e) => e.AllEvents ? "All events" : string.Join(", ", e.EventTypes);

    public static string LastDelivery(WebhookEndpointView e) => e.LastAttemptAt is { } at
        ? $"{(e.LastSucceeded == true ? "Delivered" : "Failed")} ({e.LastResult}) {When(at)}"
        : "No deliveries yet";

    public static string Status(WebhookDeliveryRow d) => d.Status switch
    {
        WebhookDeliveryStatus.Delivered => "Delivered",
        WebhookDeliveryStatus.Failed => "Failed (given up)",
        _ => d.Attempts == 0 ? "Waiting" : $"Retrying{(d.NextAttemptAt is { } next ? " at " + When(next) : "")}",
    };
}

using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Custos.Web.Hosting;

public static class HealthReporting
{
    /// `/healthz` answers JSON: the overall status and one entry per check.
    public static HealthCheckOptions Options { get; } = new()
    {
        ResponseWriter = async (http, report) =>
        {
            http.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(http.Response.Body, new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(
                    e => e.Key,
                    e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
            });
        },
    };
}

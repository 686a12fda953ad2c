using System.Net;
using System.Text.Json;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Web.Tests.Api;

/// The OpenAPI document is complete: every /api/v1 route is in it, every operation documents a 2xx
/// schema and its problem answers, and the bearer scheme is declared. Scalar serves the reference.
public sealed class OpenApiDocumentTests(SqliteHostFixture fixture) : IClassFixture<SqliteHostFixture>
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Fact]
    public async Task Document_IsOpenApi31_WithBearerSecurity()
    {
        var doc = await DocumentAsync();

        doc.GetProperty("openapi").GetString()!.ShouldStartWith("3.1");
        var scheme = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        scheme.GetProperty("type").GetString().ShouldBe("http");
        scheme.GetProperty("scheme").GetString().ShouldBe("bearer");
        doc.GetProperty("security")[0].TryGetProperty("bearer", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task EveryOperation_DocumentsA2xxSchemaAndItsProblems()
    {
        var doc = await DocumentAsync();
        var missing = new List<string>();
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var responses = operation.Value.GetProperty("responses").EnumerateObject().ToDictionary(r => r.Name, r => r.Value);
                // A 204 has no body by definition (DELETE, the webhook signature check).
                var success = responses.Where(r => r.Key.StartsWith('2') && r.Key != "204").ToList();
                var noContent = responses.ContainsKey("204") && success.Count == 0;
                if ((!noContent && success.Count == 0) || !success.All(r => r.Value.TryGetProperty("content", out var c) && c.EnumerateObject().All(m => m.Value.TryGetProperty("schema", out _))))
                {
                    missing.Add($"{name}: no documented 2xx schema");
                }

                var problems = new List<string> { "401", "429" };
                if (path.Name.Contains('{', StringComparison.Ordinal) && !path.Name.StartsWith("/api/v1/plans", StringComparison.Ordinal))
                {
                    problems.Add("404");
                }

                if (operation.Name is "put" or "post" && operation.Value.TryGetProperty("requestBody", out _))
                {
                    problems.AddRange(["400", "413", "415"]);
                }

                if (operation.Name is "put")
                {
                    problems.AddRange(["403", "412", "428"]);
                }

                foreach (var status in problems)
                {
                    if (!responses.TryGetValue(status, out var problem)
                        || !problem.GetProperty("content").TryGetProperty("application/problem+json", out _))
                    {
                        missing.Add($"{name}: no {status} problem");
                    }
                }
            }
        }

        missing.ShouldBeEmpty();
    }

    [Fact]
    public async Task Instants_AreDateTimeStrings_AndEnumsAreStrings()
    {
        var doc = await DocumentAsync();
        var schemas = doc.GetProperty("components").GetProperty("schemas");
        var organization = schemas.GetProperty("OrganizationResource").GetProperty("properties");

        organization.GetProperty("createdAt").GetProperty("type").GetString().ShouldBe("string");
        organization.GetProperty("createdAt").GetProperty("format").GetString().ShouldBe("date-time");
        organization.GetProperty("purgeDueAt").GetProperty("type").EnumerateArray().Select(t => t.GetString()).ShouldBe(["null", "string"], ignoreOrder: true);
        schemas.GetProperty("OrganizationStatus").GetProperty("enum").EnumerateArray().Select(e => e.GetString())
            .ShouldBe(["active", "suspended", "unsubscribed", "deleted"], ignoreOrder: true);
    }

    [Fact]
    public async Task EveryApiRoute_IsInTheDocument()
    {
        var doc = await DocumentAsync();
        var documented = doc.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)).Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet(StringComparer.Ordinal);

        var routes = fixture.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .ToList();

        routes.Count.ShouldBeGreaterThan(20);
        routes.Where(r => !documented.Contains(r)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("OrganizationResource")]
    [InlineData("OrganizationListItem")]
    public async Task Organization_Schemas_HaveStoredAndLogicalBytes(string schema)
    {
        var doc = await DocumentAsync();

        var properties = doc.GetProperty("components").GetProperty("schemas").GetProperty(schema).GetProperty("properties");

        properties.TryGetProperty("storageUsedBytes", out _).ShouldBeTrue();
        properties.TryGetProperty("storageLogicalBytes", out var logical).ShouldBeTrue();
        logical.GetProperty("format").GetString().ShouldBe("int64");
    }

    [Fact]
    public async Task Scalar_ServesTheReference()
    {
        using var http = fixture.App.CreateHttpClient();

        using var response = await http.GetAsync("/scalar/");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("openapi/v1.json");
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var http = fixture.App.CreateHttpClient();
        using var response = await http.GetAsync("/openapi/v1.json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// "/api/v1/organizations/{id:guid}/" → "/api/v1/organizations/{id}", as the document writes paths.
    private static string Normalize(string raw)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(raw, @"\{(\w+):[^}]+\}", "{$1}");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }
}

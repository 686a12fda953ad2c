using Custos.ControlPlane.ApiKeys;
using Custos.Data;
using Custos.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Custos.Web.Api;

public static class ApiPolicies
{
    /// A valid partner API key of any role.
    public const string Read = "api-read";

    /// A key whose role may change things (not Read-only).
    public const string Write = "api-write";
}

/// Marks an operation that honours Idempotency-Key.
public sealed class IdempotentOperation;

/// Marks an operation that changes something (refused to Read-only keys; updates take If-Match).
public sealed class WriteOperation;

/// REST API v1: services, the /api/v1 routes, the OpenAPI document at /openapi/v1.json and Scalar at /scalar.
public static class ApiRegistration
{
    public const string DocumentName = "v1";

    public static IServiceCollection AddCustosApi(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection("Custos:Api").Get<ApiSettings>() ?? new ApiSettings();
        services.AddSingleton(settings);
        services.AddSingleton<ApiRateLimits>();
        services.AddSingleton(sp => new ApiKeyCache(sp.GetRequiredService<TimeProvider>())
        {
            Lifetime = TimeSpan.FromSeconds(Math.Max(0, settings.KeyCacheSeconds)),
        });
        services.AddSingleton<IdempotencyFilter>();
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        services.AddProblemDetails();

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicies.Read, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser()
                .RequireClaim(ApiKeyAuthenticationHandler.KeyClaim).RequireClaim(CustosClaims.PartnerId))
            .AddPolicy(ApiPolicies.Write, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser()
                .RequireClaim(ApiKeyAuthenticationHandler.KeyClaim)
                .RequireClaim(CustosClaims.Role, nameof(PartnerRole.Owner), nameof(PartnerRole.FullAdministrator), nameof(PartnerRole.Administrator)));

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(ApiRateLimits.Policy, http => http.RequestServices.GetRequiredService<ApiRateLimits>().PartitionOf(http));
            o.OnRejected = (context, _) =>
            {
                context.HttpContext.RequestServices.GetRequiredService<ApiRateLimits>().OnRejected(context);
                return new ValueTask(ApiProblems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "rate_limited",
                    "This API key sent too many requests; wait for Retry-After seconds."));
            };
        });

        services.AddOpenApi(DocumentName, o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/v1", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Custos API",
                    Version = "v1",
                    Description = "The partner REST API of Custos: organizations, their lifecycle, features, login accounts, CSV exports, the partner tree, the audit journal and webhook endpoints. See docs/api.md and docs/webhooks.md.",
                    Contact = new OpenApiContact { Name = "Custos" },
                };
                foreach (var server in document.Servers ?? [])
                {
                    server.Url = server.Url?.TrimEnd('/');
                }

                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "cpk_…",
                    Description = "A partner API key, created on the portal's API keys page.",
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
                return Task.CompletedTask;
            });
            // Instants are written by the API's own converter; say what they are.
            o.AddSchemaTransformer((schema, context, _) =>
            {
                var type = context.JsonTypeInfo.Type;
                if (type == typeof(DateTimeOffset))
                {
                    schema.Type = JsonSchemaType.String;
                    schema.Format = "date-time";
                }
                else if (type == typeof(DateTimeOffset?))
                {
                    schema.Type = JsonSchemaType.String | JsonSchemaType.Null;
                    schema.Format = "date-time";
                }

                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                operation.Parameters ??= [];
                if (metadata.OfType<IdempotentOperation>().Any())
                {
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = IdempotencyFilter.Header,
                        In = ParameterLocation.Header,
                        Description = "Makes the POST safe to retry: the same key and body replay the first answer for 24 hours.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = IdempotencyRecord.MaxKeyLength },
                    });
                }

                // Updates (PUT) need If-Match; lifecycle actions on an organization take it optionally.
                var path = context.Description.RelativePath ?? "";
                var ifMatch = context.Description.HttpMethod == "PUT"
                    || (metadata.OfType<IdempotentOperation>().Any() && path.StartsWith("api/v1/organizations/{id}", StringComparison.Ordinal));
                if (metadata.OfType<WriteOperation>().Any() && ifMatch)
                {
                    var required = context.Description.HttpMethod == "PUT";
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = "If-Match",
                        In = ParameterLocation.Header,
                        Required = required,
                        Description = required
                            ? "The organization's ETag; a stale one is 412, none is 428."
                            : "Optional: the organization's ETag; a stale one is 412.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    });
                }

                if (operation.Parameters.Count == 0)
                {
                    operation.Parameters = null;
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// Before authentication: the API answers problems, never the portal's pages.
    public static void UseCustosApiPipeline(this IApplicationBuilder app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), b => b.UseMiddleware<ApiPipeline>());

    public static void MapCustosApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1")
            .RequireAuthorization(ApiPolicies.Read)
            .RequireRateLimiting(ApiRateLimits.Policy)
            .AddEndpointFilter<ApiBodyFilter>()
            .AddEndpointFilter<RateLimitHeadersFilter>()
            .Problems(401, 429);
        api.MapOrganizations();
        api.MapOrganizationActions();
        api.MapFeatures();
        api.MapLoginAccounts();
        api.MapExports();
        api.MapPartners();
        api.MapAudit();
        api.MapTransfers();
        api.MapWebhooks();

        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/scalar", o => o.WithTitle("Custos API")).AllowAnonymous();
    }

    /// Declares the problem answers an operation can give (validation ones with their errors map).
    public static TBuilder Problems<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            if (status is 400 or 422)
            {
                builder.ProducesValidationProblem(status);
            }
            else
            {
                builder.ProducesProblem(status);
            }
        }

        return builder;
    }

    /// Honours Idempotency-Key (POST only).
    public static RouteHandlerBuilder Idempotent(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<IdempotencyFilter>().WithMetadata(new IdempotentOperation()).Problems(400, 409);

    /// Changes something: Read-only keys get 403.
    public static RouteHandlerBuilder Writes(this RouteHandlerBuilder builder) =>
        builder.RequireAuthorization(ApiPolicies.Write).WithMetadata(new WriteOperation()).Problems(403);
}

using Custos.ControlPlane.ApiKeys;
using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Partners;
using Custos.ControlPlane.Webhooks;
using Custos.Domain;
using Custos.Domain.Organizations;
using Custos.Domain.Transfers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Custos.Web.Api;

/// Every API error is an RFC 9457 problem: <c>type</c> names the error ("urn:custos:problem:{code}",
/// listed in docs/api.md), <c>errors</c> maps fields to messages for validation and field conflicts.
public static class ApiProblems
{
    public const string ContentType = "application/problem+json";

    public static string TypeOf(string code) => $"urn:custos:problem:{code}";

    /// The status an expected failure answers with: 404 for anything outside the key's scope, 422
    /// for input that breaks a rule, 409 for a change the resource's current state refuses, 412 for
    /// a stale If-Match.
    public static int StatusOf(Error error, bool ifMatchGiven) => error switch
    {
        Domain.Organizations.NotFound => StatusCodes.Status404NotFound,
        ConcurrentChange or WebhookEndpointChangedMeanwhile => ifMatchGiven ? StatusCodes.Status412PreconditionFailed : StatusCodes.Status409Conflict,
        ValidationFailed or SeatsOutOfRange or SeatsBelowUsage or DownloadLimitOutOfRange or PlanNotOffered
            or SearchTooLong or SearchNotPlainText or AdministratorKeyRefused or PartnerDeactivated
            or PartnerIdRequired or PartnerIdUnknown or SamePartner or TargetPartnerInactive or TargetLacksPlanType => StatusCodes.Status422UnprocessableEntity,
        EmailTaken or NameTaken => StatusCodes.Status409Conflict,
        FeatureNotEntitled or UserManagementNotAllowed or TransfersRevoked => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status409Conflict,
    };

    public static string TitleOf(int status) => status switch
    {
        400 => "The request is malformed.",
        401 => "An API key is required.",
        403 => "Not allowed.",
        404 => "Not found.",
        405 => "Method not allowed.",
        406 => "Not acceptable.",
        409 => "Conflict with the resource's current state.",
        412 => "The resource has changed.",
        413 => "The request body is too large.",
        415 => "Unsupported media type.",
        422 => "The request breaks a rule.",
        428 => "A precondition is required.",
        429 => "Too many requests.",
        _ => "The request failed.",
    };

    public static ProblemHttpResult Problem(
        int status, string code, string detail, IDictionary<string, string[]>? errors = null, string? title = null)
    {
        var problem = errors is { Count: > 0 }
            ? new HttpValidationProblemDetails(errors)
            : new ProblemDetails();
        problem.Status = status;
        problem.Type = TypeOf(code);
        problem.Title = title ?? TitleOf(status);
        problem.Detail = detail;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult From(Error error, bool ifMatchGiven = false)
    {
        var status = StatusOf(error, ifMatchGiven);
        var code = error is ConcurrentChange or WebhookEndpointChangedMeanwhile && ifMatchGiven ? "precondition_failed" : error.Code;
        Dictionary<string, string[]>? errors = null;
        if (error is ValidationFailed failed)
        {
            errors = failed.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
        }
        else if (error.Field is { } field)
        {
            errors = new() { [field] = [error.Message] };
        }

        return Problem(status, code, error.Message, errors);
    }

    public static ProblemHttpResult Validation(string field, string message) =>
        Problem(StatusCodes.Status422UnprocessableEntity, "validation", message, new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult BadRequest(string code, string detail, string? field = null) =>
        Problem(StatusCodes.Status400BadRequest, code, detail, field is null ? null : new Dictionary<string, string[]> { [field] = [detail] });

    /// Writes a problem outside an endpoint (authentication, rate limiting, the API pipeline).
    public static Task WriteAsync(HttpContext http, int status, string code, string detail)
    {
        http.Response.StatusCode = status;
        return Problem(status, code, detail).ExecuteAsync(http);
    }
}

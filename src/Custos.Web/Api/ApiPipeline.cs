using Microsoft.AspNetCore.Diagnostics;

namespace Custos.Web.Api;

/// Wraps every /api request so that no answer is an HTML page: the portal's status code pages are
/// off, an error without a body (unknown route, wrong method, a framework refusal) gets a problem
/// body, and an unexpected exception is a 500 problem rather than the error page.
public sealed class ApiPipeline(RequestDelegate next, ILogger<ApiPipeline> log)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (http.Features.Get<IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        try
        {
            await next(http);
        }
        catch (BadHttpRequestException e) when (!http.Response.HasStarted)
        {
            http.Response.Clear();
            await ApiProblems.WriteAsync(http, e.StatusCode, "bad_request", e.Message);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException && !http.Response.HasStarted)
        {
            log.LogError(e, "API request {Method} {Path} failed", http.Request.Method, http.Request.Path);
            http.Response.Clear();
            await ApiProblems.WriteAsync(http, StatusCodes.Status500InternalServerError, "server_error",
                "The server failed to answer; retry later.");
            return;
        }

        var status = http.Response.StatusCode;
        if (status >= 400 && !http.Response.HasStarted && http.Response.ContentLength is null or 0
            && string.IsNullOrEmpty(http.Response.ContentType))
        {
            var (code, detail) = status switch
            {
                400 => ("bad_request", "The request is malformed."),
                404 => ("not_found", "There is no such resource."),
                405 => ("method_not_allowed", "This resource does not take this method."),
                413 => ("body_too_large", "The request body is too large."),
                415 => ("unsupported_media_type", "Send the body as JSON with Content-Type: application/json."),
                _ => ("error", ApiProblems.TitleOf(status)),
            };
            await ApiProblems.WriteAsync(http, status, code, detail);
        }
    }
}

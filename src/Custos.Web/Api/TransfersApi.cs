using System.Globalization;
using Custos.ControlPlane.Transfers;
using Custos.Data;
using Custos.Domain.Organizations;
using Custos.Domain.Transfers;
using Custos.Web.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Api;

/// Transfers of organizations between partners, from the key's partner's side: its transfer
/// requests (outgoing and incoming), requesting one for an organization of its subtree
/// (RequestTransfer) and cancelling one (CancelTransfer). Approval and rejection stay with the
/// platform's operator.
public static class TransfersApi
{
    // The API's cursor wraps the keyset (the last request's ID), so what is inside can change.
    private const string CursorPrefix = "t1.";

    public static void MapTransfers(this RouteGroupBuilder api)
    {
        var transfers = api.MapGroup("/transfers").WithTags("Transfers");

        transfers.MapGet("/", ListAsync).WithName("listTransfers").WithSummary("List transfer requests")
            .WithDescription(
                $"Newest first, {PartnerTransfers.DefaultTake} a page (limit 1 to {PartnerTransfers.MaxTake}): pass nextCursor back as cursor. " +
                "direction: outgoing (organizations of the key's subtree moving away) or incoming (naming a partner of the subtree as the target); " +
                "both when absent. status: pending, approved, rejected, cancelled or executed.")
            .Produces<TransferPage>().Problems(400);

        transfers.MapGet("/{transferId:guid}", GetAsync).WithName("getTransfer").WithSummary("Get a transfer request")
            .WithDescription("Another partner's transfer requests are not found.")
            .Produces<TransferResource>().Problems(404);

        transfers.MapPost("/", RequestAsync).WithName("requestTransfer").WithSummary("Request a transfer")
            .WithDescription(
                "Asks to move an organization of the key's subtree to the partner named by its Partner ID (P-…). The request waits for the " +
                "platform's operator, who approves it (the move happens at the cut-off, the first day of the next month UTC) or rejects it " +
                "with a reason. Honours Idempotency-Key.")
            .Accepts<TransferRequestBody>("application/json")
            .Produces<TransferResource>(StatusCodes.Status201Created).Problems(400, 403, 404, 409, 413, 415, 422).Idempotent().Writes();

        transfers.MapPost("/{transferId:guid}/cancel", CancelAsync).WithName("cancelTransfer").WithSummary("Cancel a transfer request")
            .WithDescription("While pending, or once approved strictly before the cut-off; only the organization's side (outgoing) cancels. Honours Idempotency-Key.")
            .Produces<TransferResource>().Problems(403, 404, 409).Idempotent().Writes();
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, PartnerContext partner, PartnerTransfers transfers, string? direction, string? status, string? limit, string? cursor)
    {
        var errors = new Dictionary<string, string[]>();
        TransferDirection? side = direction is null ? null : OrganizationsApi.ParseEnum(direction, TransferDirection.Outgoing, "direction", errors);
        TransferStatus? state = status is null ? null : OrganizationsApi.ParseEnum(status, TransferStatus.Pending, "status", errors);
        var take = PartnerTransfers.DefaultTake;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > PartnerTransfers.MaxTake))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {PartnerTransfers.MaxTake}."];
        }

        Guid? before = null;
        if (cursor is not null)
        {
            if (cursor.StartsWith(CursorPrefix, StringComparison.Ordinal) && Guid.TryParseExact(cursor.AsSpan(CursorPrefix.Length), "N", out var last))
            {
                before = last;
            }
            else
            {
                errors["cursor"] = ["cursor is not one this API gave out; start without it."];
            }
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "invalid_query", "Some query parameters are not valid.", errors);
        }

        var page = await transfers.PageAsync(partner.Scope, new PartnerTransferQuery(side, state, before, take), http.RequestAborted);
        return TypedResults.Ok(new TransferPage(
            [.. page.Rows.Select(TransferResource.Of)],
            page.NextBefore is { } next ? CursorPrefix + next.ToString("N") : null));
    }

    private static async Task<IResult> GetAsync(Guid transferId, HttpContext http, PartnerContext partner, PartnerTransfers transfers)
    {
        var row = await transfers.FindAsync(partner.Scope, transferId, http.RequestAborted);
        return row is null ? ApiProblems.From(new NotFound("The transfer request")) : TypedResults.Ok(TransferResource.Of(row));
    }

    private static async Task<IResult> RequestAsync(
        ApiBody<TransferRequestBody> body, HttpContext http, PartnerContext partner, AppDbContext db, RequestTransfer handler, PartnerTransfers transfers)
    {
        if (body.Value.OrganizationId is not { } organizationId)
        {
            return ApiProblems.Validation("organizationId", "Organization is required.");
        }

        // Deleted organizations of the subtree reach the handler, which says why they cannot move.
        if (!await db.InScope(partner.Scope).AnyAsync(o => o.Id == organizationId, http.RequestAborted))
        {
            return ApiProblems.From(new NotFound("The organization"));
        }

        var requested = await handler.HandleAsync(organizationId, body.Value.PartnerId, partner.Actor, http.RequestAborted);
        if (requested.Error is not null)
        {
            return ApiProblems.From(requested.Error);
        }

        var row = (await transfers.FindAsync(partner.Scope, requested.Value!.Id, http.RequestAborted))!;
        return TypedResults.Created($"/api/v1/transfers/{row.Id}", TransferResource.Of(row));
    }

    private static async Task<IResult> CancelAsync(
        Guid transferId, HttpContext http, PartnerContext partner, AppDbContext db, CancelTransfer handler, PartnerTransfers transfers)
    {
        var row = await transfers.FindAsync(partner.Scope, transferId, http.RequestAborted);
        if (row is null)
        {
            return ApiProblems.From(new NotFound("The transfer request"));
        }

        if (!row.Outgoing || !await db.InScope(partner.Scope).AnyAsync(o => o.Id == row.OrganizationId, http.RequestAborted))
        {
            return ApiProblems.Problem(StatusCodes.Status403Forbidden, "transfer_not_cancellable_here",
                "Only the organization's side cancels a transfer request: the partner it would move to cannot.");
        }

        var cancelled = await handler.HandleAsync(row.OrganizationId, transferId, partner.Actor, http.RequestAborted);
        if (cancelled.Error is not null)
        {
            return ApiProblems.From(cancelled.Error);
        }

        return TypedResults.Ok(TransferResource.Of((await transfers.FindAsync(partner.Scope, transferId, http.RequestAborted))!));
    }
}

public sealed record TransferRequestBody(Guid? OrganizationId = null, string? PartnerId = null);

public sealed record TransferOrganization(Guid Id, string OrganizationId, string Name);

public sealed record TransferPartner(Guid Id, string PartnerId, string Name);

/// One transfer request. <c>direction</c> is the key's side of it: outgoing when its organization
/// belonged to the key's subtree at the request (also for a move inside the subtree), else incoming.
public sealed record TransferResource(
    Guid Id,
    TransferDirection Direction,
    TransferStatus Status,
    TransferOrganization Organization,
    TransferPartner From,
    TransferPartner To,
    DateTimeOffset RequestedAt,
    string RequestedBy,
    DateTimeOffset? DecidedAt,
    string? DecidedBy,
    string? Reason,
    DateTimeOffset? EffectiveAt,
    DateTimeOffset? CancelledAt,
    DateTimeOffset? ExecutedAt)
{
    public static TransferResource Of(PartnerTransferRow r) => new(
        r.Id, r.Outgoing ? TransferDirection.Outgoing : TransferDirection.Incoming, r.Status,
        new TransferOrganization(r.OrganizationId, r.OrganizationPublicId, r.OrganizationName),
        new TransferPartner(r.FromPartnerId, r.FromPartnerPublicId, r.FromPartnerName),
        new TransferPartner(r.ToPartnerId, r.ToPartnerPublicId, r.ToPartnerName),
        r.RequestedAt, r.RequestedBy, r.DecidedAt, r.DecidedByName, r.Reason, r.EffectiveAt, r.CancelledAt, r.ExecutedAt);
}

public sealed record TransferPage(IReadOnlyList<TransferResource> Items, string? NextCursor);

using System.Globalization;
using Custos.ControlPlane.Organizations;
using Custos.Domain.Exports;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;

namespace Custos.Web.Api;

// What the API sends and receives. Requests list every property as optional (null when absent) so
// that a missing value reaches the handlers' own validation and comes back as a field error.

/// An amount of money: a decimal string (never a binary float) and an ISO 4217 currency.
public sealed record Money(string Amount, string Currency)
{
    public static Money Of(decimal amount, string currency) => new(amount.ToString("0.00", CultureInfo.InvariantCulture), currency);
}

public sealed record PlanSummary(Guid Id, string Name, PlanType Type, Money MonthlyPrice);

/// The plan as the list shows it (the list does not carry plan IDs; the single organization does).
public sealed record ListedPlan(string Name, PlanType Type, Money MonthlyPrice);

public sealed record PlanItem(Guid Id, string Name, PlanType Type, Money MonthlyPrice, int StorageAllowanceGb);

public sealed record Owner(string FirstName, string LastName, string Email);

/// One organization. <c>etag</c> is also sent as the ETag header; send it back as If-Match.
public sealed record OrganizationResource(
    Guid Id,
    string OrganizationId,
    string Name,
    OrganizationStatus Status,
    Guid PartnerId,
    string Country,
    Owner Owner,
    PlanSummary Plan,
    int? Seats,
    bool AutoLicense,
    int SeatsInUse,
    long StorageUsedBytes,
    long StorageLogicalBytes,
    bool CredentialError,
    string? JournalAddress,
    DateTimeOffset CreatedAt,
    DateTimeOffset StatusChangedAt,
    DateTimeOffset? PurgeDueAt,
    string Etag);

/// One row of the organization list, as the portal's Organizations page shows it.
public sealed record OrganizationListItem(
    Guid Id,
    string OrganizationId,
    string Name,
    OrganizationStatus Status,
    string OwnerEmail,
    ListedPlan Plan,
    int? Seats,
    bool AutoLicense,
    int SeatsInUse,
    long StorageUsedBytes,
    long StorageLogicalBytes,
    bool CredentialError,
    DateTimeOffset StatusChangedAt,
    DateTimeOffset? PurgeDueAt,
    DateTimeOffset? DeletedAt)
{
    public static OrganizationListItem Of(OrganizationRow r) => new(
        r.Id, r.PublicId, r.Name, r.Status, r.OwnerEmail,
        new ListedPlan(r.PlanName, r.PlanType, Money.Of(r.MonthlyPrice, r.Currency)),
        r.Seats, r.AutoLicense, r.SeatsInUse, r.StorageUsedBytes, r.StorageLogicalBytes, r.CredentialError, r.StatusChangedAt, r.PurgeDueAt, r.DeletedAt);
}

public sealed record OrganizationPage(IReadOnlyList<OrganizationListItem> Items, string? NextCursor);

/// Organizations per status tab. <c>countCap</c> is set for a search: a count above it means "more than countCap".
public sealed record OrganizationCounts(int Active, int Suspended, int Unsubscribed, int Deleted, int? CountCap);

public sealed record NewOrganizationBody(
    string? FirstName = null,
    string? LastName = null,
    string? Email = null,
    string? Country = null,
    string? OrganizationName = null,
    Guid? PlanId = null,
    Guid? PartnerId = null,
    bool? AutoLicense = null,
    int? Seats = null,
    bool? SendSignIn = null);

public sealed record PersonalInfoBody(
    string? FirstName = null, string? LastName = null, string? Email = null, string? Country = null, string? OrganizationName = null);

public sealed record PlanBody(Guid? PlanId = null);

public sealed record SeatsBody(int? Seats = null);

public sealed record AutoLicenseBody(bool? Enabled = null, int? Seats = null);

public sealed record FeatureBody(bool? Enabled = null);

public sealed record DownloadLimitBody(int? Gb = null);

public sealed record DeleteResult(Guid Id, DeleteOutcome Outcome);

public sealed record FeatureState(OrganizationFeature Feature, string Label, bool Enabled, bool SalesGated, bool CanTurnOn, string? Reason);

public sealed record FeaturesResource(int DownloadLimitGb, IReadOnlyList<FeatureState> Features, string Etag);

public sealed record LoginAccountItem(
    Guid Id, string Email, bool IsOwner, string? ApiToken, DateTimeOffset? ApiTokenCreatedAt, DateTimeOffset? LastSignInAt, DateTimeOffset CreatedAt);

public sealed record LoginAccountList(IReadOnlyList<LoginAccountItem> Items);

/// A customer API token, shown only in this answer.
public sealed record IssuedToken(Guid LoginAccountId, string Email, string Token, string Masked);

public sealed record HistoryItem(DateOnly Day, PlanSummary Plan, int? Seats, bool AutoLicense, OrganizationStatus Status, DateTimeOffset RecordedAt);

public sealed record HistoryList(IReadOnlyList<HistoryItem> Items);

public sealed record PartnerItem(
    Guid Id, string PartnerId, string Name, Guid? ParentId, string Country, bool IsDistributor, bool IsActive, DateTimeOffset CreatedAt);

public sealed record PartnerList(IReadOnlyList<PartnerItem> Items, string? NextCursor);

public sealed record PlanList(IReadOnlyList<PlanItem> Items);

public sealed record ExportBody(OrganizationStatus? Status = null, string? Search = null, PlanType? Plan = null, CredentialFilter? Credential = null);

public sealed record ExportResource(
    Guid Id,
    CsvExportState State,
    OrganizationStatus Status,
    string Search,
    PlanType? Plan,
    CredentialFilter Credential,
    long Rows,
    string? FileName,
    long? SizeBytes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? ExpiresAt,
    bool Downloadable,
    string? Error)
{
    public static ExportResource Of(CsvExport e, DateTimeOffset now) => new(
        e.Id, e.State, e.Status, e.Search, e.PlanType,
        e.NeedAuthenticationOnly ? CredentialFilter.NeedAuthentication : CredentialFilter.All,
        e.RowsSoFar, e.FileName, e.SizeBytes, e.CreatedAt, e.FinishedAt, e.ExpiresAt, e.IsDownloadable(now), e.Error);
}

public sealed record ExportList(IReadOnlyList<ExportResource> Items);

using System.Globalization;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Microsoft.Extensions.Time.Testing;

namespace Custos.Domain.Tests;

/// Builds partners, plans and organizations through the public factories and drives an
/// organization into a status through the real commands, so every test starts from a state the
/// product itself can reach.
internal static class Given
{
    public const int Seats = 10;

    public static readonly DateTimeOffset Start = new(2026, 3, 15, 10, 0, 0, TimeSpan.Zero);

    /// The platform's default unsubscribe grace window.
    public static readonly TimeSpan Grace = TimeSpan.FromDays(45);

    public static FakeTimeProvider Clock() => new(Start);

    public static FakeTimeProvider Clock(DateTimeOffset start) => new(start);

    public static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    public static Partner Partner(DateTimeOffset now, Partner? parent = null, string name = "Northwind IT") =>
        Partners.Partner.Create(name, "DE", parent, isDistributor: false, now).ShouldSucceed();

    public static Plan Plan(PlanType type, DateTimeOffset now, string? name = null) =>
        Plans.Plan.Create(name ?? $"{type} plan", type, 4.50m, "EUR", 50, now).ShouldSucceed();

    public static PersonalInfo Info() => new("Ann", "Smith", "ann.smith@example.com", "DE", "Acme GmbH");

    /// Valid input for the plan type: ten fixed seats on Backup/Archiver unless auto license is on.
    public static NewOrganization NewOrganization(PlanType type, bool autoLicense = false) =>
        new(Info(), autoLicense, Plans.Plan.HasSeats(type) && !autoLicense ? Seats : null);

    public static Organization Organization(
        FakeTimeProvider clock,
        PlanType planType = PlanType.Backup,
        OrganizationStatus status = OrganizationStatus.Active,
        bool autoLicense = false) =>
        Organization(clock, Plan(planType, clock.GetUtcNow()), status, autoLicense);

    public static Organization Organization(
        FakeTimeProvider clock, Plan plan, OrganizationStatus status = OrganizationStatus.Active, bool autoLicense = false)
    {
        var now = clock.GetUtcNow();
        var org = Organizations.Organization
            .Create(NewOrganization(plan.Type, autoLicense), Partner(now), plan, now)
            .ShouldSucceed();
        Drive(org, status, now);
        org.Status.ShouldBe(status);
        return org;
    }

    private static void Drive(Organization org, OrganizationStatus status, DateTimeOffset now)
    {
        switch (status)
        {
            case OrganizationStatus.Active:
                break;
            case OrganizationStatus.Suspended:
                org.Suspend(now).ShouldSucceed();
                break;
            case OrganizationStatus.Unsubscribed:
                org.Unsubscribe(now, Grace).ShouldSucceed();
                break;
            case OrganizationStatus.Deleted:
                org.Delete(now).ShouldSucceed().ShouldBe(DeleteOutcome.Deleted);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(status), status, null);
        }
    }
}

internal static class ResultAssertions
{
    public static void ShouldSucceed(this Result result) =>
        result.Error.ShouldBeNull($"expected success, got {result.Error}");

    public static T ShouldSucceed<T>(this Result<T> result)
    {
        result.Error.ShouldBeNull($"expected success, got {result.Error}");
        return result.Value!;
    }

    public static TError ShouldFailWith<TError>(this Result result) where TError : Error =>
        result.Error.ShouldBeOfType<TError>();

    public static TError ShouldFailWith<TError>(this Result<bool> result) where TError : Error =>
        result.Error.ShouldBeOfType<TError>();

    public static TError ShouldFailWith<TError>(this Result<Organization> result) where TError : Error =>
        result.Error.ShouldBeOfType<TError>();

    /// The fields named by a validation failure, in order.
    public static string[] ShouldFailOnFields(this Result<Organization> result) =>
        result.Error.ShouldBeOfType<ValidationFailed>().Errors.Select(e => e.Field).ToArray();

    public static string[] ShouldFailOnFields(this Result<ValidPersonalInfo> result) =>
        result.Error.ShouldBeOfType<ValidationFailed>().Errors.Select(e => e.Field).ToArray();
}

/// Everything a refused command must leave as it was.
internal sealed record OrganizationSnapshot(
    OrganizationStatus Status,
    int Version,
    string History,
    Guid PlanId,
    int? Seats,
    bool AutoLicense,
    DateTimeOffset StatusChangedAt,
    DateTimeOffset? UnsubscribedAt,
    DateTimeOffset? PurgeDueAt,
    DateTimeOffset? BillingEndsAt,
    DateTimeOffset? DeletedAt,
    DateTimeOffset? PurgedAt,
    bool WormEnabled,
    bool DpoEnabled,
    PendingDpoAction PendingDpoAction,
    string OwnerEmail,
    string Name)
{
    public static OrganizationSnapshot Of(Organization o) => new(
        o.Status,
        o.Version,
        string.Join(" | ", o.History.Select(h =>
            string.Create(CultureInfo.InvariantCulture, $"{h.Day:yyyy-MM-dd} {h.Status} {h.PlanId} {h.Seats} {h.AutoLicense} {h.RecordedAt:O}"))),
        o.PlanId,
        o.Seats,
        o.AutoLicense,
        o.StatusChangedAt,
        o.UnsubscribedAt,
        o.PurgeDueAt,
        o.BillingEndsAt,
        o.DeletedAt,
        o.PurgedAt,
        o.WormEnabled,
        o.DpoEnabled,
        o.PendingDpoAction,
        o.OwnerEmail,
        o.Name);
}

using Custos.Domain.Plans;

namespace Custos.Domain.Organizations;

/// The on/off features of an organization's Features tab (the PST download size limit is a number,
/// see <see cref="Organization.SetDownloadLimit"/>). Stored by name, so the order may change freely.
public enum OrganizationFeature
{
    AdGroupBackup = 1,
    Worm = 2,
    Insights = 3,
    DataProtectionOfficer = 4,
    Compliance = 5,
    InPlaceArchiveBackup = 6,
    PrivateChatBackup = 7,
}

/// What each feature needs before it may be turned on. See README.md beside this file.
public static class OrganizationFeatures
{
    public const int MinDownloadLimitGb = 1;
    public const int MaxDownloadLimitGb = 10;
    public const int DefaultDownloadLimitGb = 1;

    /// In the order the Features tab shows them.
    public static IReadOnlyList<OrganizationFeature> All { get; } =
    [
        OrganizationFeature.AdGroupBackup,
        OrganizationFeature.Worm,
        OrganizationFeature.Insights,
        OrganizationFeature.DataProtectionOfficer,
        OrganizationFeature.Compliance,
        OrganizationFeature.InPlaceArchiveBackup,
        OrganizationFeature.PrivateChatBackup,
    ];

    /// Features the operator must enable (for the organization's partner, a partner above it, or the
    /// organization itself) before the partner may turn them on.
    public static IReadOnlyList<OrganizationFeature> SalesGated { get; } =
    [
        OrganizationFeature.Worm,
        OrganizationFeature.DataProtectionOfficer,
        OrganizationFeature.Compliance,
        OrganizationFeature.PrivateChatBackup,
    ];

    public static bool IsSalesGated(OrganizationFeature feature) => SalesGated.Contains(feature);

    /// Compliance and private chat backup exist only on Archiver plans.
    public static bool NeedsArchiver(OrganizationFeature feature) =>
        feature is OrganizationFeature.Compliance or OrganizationFeature.PrivateChatBackup;

    public static bool IsAvailableOn(OrganizationFeature feature, PlanType planType) =>
        !NeedsArchiver(feature) || planType == PlanType.Archiver;

    public static string Label(OrganizationFeature feature) => feature switch
    {
        OrganizationFeature.AdGroupBackup => "Microsoft 365 AD group backup",
        OrganizationFeature.Worm => "WORM storage",
        OrganizationFeature.Insights => "Insights",
        OrganizationFeature.DataProtectionOfficer => "Data Protection Officer",
        OrganizationFeature.Compliance => "Compliance",
        OrganizationFeature.InPlaceArchiveBackup => "Microsoft 365 in-place archive backup",
        OrganizationFeature.PrivateChatBackup => "Microsoft 365 private chat backup",
        _ => feature.ToString(),
    };

    /// Parses a feature name as a form posts it; null for anything else (numbers and lists included).
    public static OrganizationFeature? Parse(string? value)
    {
        var name = value?.Trim();
        return !string.IsNullOrEmpty(name) && name.All(char.IsAsciiLetter)
            && Enum.TryParse<OrganizationFeature>(name, ignoreCase: false, out var f) && Enum.IsDefined(f)
                ? f
                : null;
    }
}

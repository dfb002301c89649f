/** Every error code the system answers with: one closed list (SPEC §5 plus the lifecycle refusals). */
export const ERROR_CODES = [
  "VALIDATION_ERROR",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "CODE_NOT_FOUND",
  "USAGE_LIMIT_REACHED",
  "ACCOUNT_LIMIT_REACHED",
  "CODE_CONFLICT",
  "PARTNER_NAME_TAKEN",
  "CAMPAIGN_ARCHIVED",
  "CODE_NOT_ACTIVE",
  "NOT_ELIGIBLE_MEMBER_GROUP",
  "NO_ELIGIBLE_ITEMS",
  "CURRENCY_MISMATCH",
  "NOT_COMBINABLE",
  "STACKED_RESERVATION_INVALID",
  "RESERVATION_NOT_RESERVED",
  "RESERVATION_EXPIRED",
  "RESERVATION_LOST",
  "ORDER_ACCOUNT_MISMATCH",
  "IDEMPOTENCY_KEY_REUSED",
  "CODE_SPACE_TOO_SMALL",
  "TRACKING_RULE_LIMIT_REACHED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "SERVICE_UNAVAILABLE",
  "INTERNAL_ERROR",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const ERROR_CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: string): value is ErrorCode {
  return ERROR_CODE_SET.has(value);
}

/** A refusal by the rules. Knows nothing of HTTP: the gateway maps `code` to a status. */
export class DomainError extends Error {
  override readonly name = "DomainError";
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  /** Who the message is for: the wording of some codes differs for the merchant (see describeError). */
  readonly audience: ErrorAudience;

  constructor(code: ErrorCode, details?: Record<string, unknown>, audience: ErrorAudience = "checkout") {
    super(describeError(code, "en", audience));
    this.code = code;
    this.details = details;
    this.audience = audience;
  }

  /**
   * The same error without a captured stack trace, for refusals that are the normal answer (a
   * flash sale refuses thousands a second): capturing the stack is most of what an Error costs.
   */
  static withoutStack(code: ErrorCode, details?: Record<string, unknown>): DomainError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new DomainError(code, details);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

export const LOCALES = ["en", "zh-TW"] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * Shopper- and merchant-facing messages. zh-TW keeps the source's exact wording for the three
 * refusals shoppers see at checkout (commas included).
 */
export const ERROR_MESSAGES: Record<ErrorCode, Record<Locale, string>> = {
  VALIDATION_ERROR: { en: "The request is not valid.", "zh-TW": "請求內容不正確。" },
  UNAUTHORIZED: { en: "A valid API key is required.", "zh-TW": "需要有效的 API 金鑰。" },
  FORBIDDEN: { en: "This API key may not do that.", "zh-TW": "此 API 金鑰沒有執行此操作的權限。" },
  NOT_FOUND: { en: "Not found.", "zh-TW": "找不到資料。" },
  METHOD_NOT_ALLOWED: {
    en: "This path does not take that method.",
    "zh-TW": "此路徑不支援此請求方法。",
  },
  CODE_NOT_FOUND: { en: "This promo code does not exist.", "zh-TW": "此優惠碼不存在。" },
  USAGE_LIMIT_REACHED: {
    en: "This promo code has reached its usage limit. Please contact the store's customer service, or clear the promo code to check out.",
    "zh-TW": "此優惠代碼使用次數已達上限,請洽商店客服人員協助處理,或清空優惠碼再結帳",
  },
  ACCOUNT_LIMIT_REACHED: {
    en: "You have already used this promo code the allowed number of times.",
    "zh-TW": "優惠碼使用次數已達上限",
  },
  CODE_CONFLICT: {
    en: "This promo code is shared with another offer. Please clear the promo code to check out.",
    "zh-TW": "優惠碼與他人重複,請清空優惠碼再結帳",
  },
  PARTNER_NAME_TAKEN: {
    en: "This store already has a partner with that name.",
    "zh-TW": "此商店已有同名的合作夥伴。",
  },
  CAMPAIGN_ARCHIVED: {
    en: "This campaign is archived: it takes no new codes and no more changes.",
    "zh-TW": "此活動已封存,無法再新增優惠碼或修改設定。",
  },
  CODE_NOT_ACTIVE: { en: "This promo code is not active right now.", "zh-TW": "此優惠碼目前無法使用。" },
  NOT_ELIGIBLE_MEMBER_GROUP: {
    en: "This promo code is not available for your member group.",
    "zh-TW": "此優惠碼不適用於您的會員群組。",
  },
  NO_ELIGIBLE_ITEMS: {
    en: "No item in the cart is eligible for this promo code, or the discount on them comes to nothing.",
    "zh-TW": "購物車中沒有適用此優惠碼的商品,或可折抵的金額為零。",
  },
  CURRENCY_MISMATCH: {
    en: "The cart's currency does not match this promo code, or the order's.",
    "zh-TW": "購物車幣別與此優惠碼或訂單的幣別不符。",
  },
  NOT_COMBINABLE: {
    en: "This promo code cannot be combined with another discount in the cart or on the order.",
    "zh-TW": "此優惠碼無法與購物車或訂單中的其他折扣合併使用。",
  },
  STACKED_RESERVATION_INVALID: {
    en: "A reservation this code stacks on is not a live hold of the same account on the same cart, or applies after this code; the details name it and the reason.",
    "zh-TW":
      "要疊加的保留無效:須為同一帳號、同一購物車且仍在保留中,並依優先順序先於此優惠碼套用;details 列出該保留與原因。",
  },
  RESERVATION_NOT_RESERVED: {
    en: "The reservation is not in a state that allows this.",
    "zh-TW": "此保留狀態不允許此操作。",
  },
  ORDER_ACCOUNT_MISMATCH: {
    en: "The order's account is not the account that holds this reservation.",
    "zh-TW": "訂單帳號與此保留的帳號不符。",
  },
  RESERVATION_EXPIRED: {
    en: "The hold is no longer held (it ran out, expired or was released) and the code cannot grant it again as it was.",
    "zh-TW": "保留已失效(逾時、過期或已釋出),優惠碼無法再以相同條件授予。",
  },
  RESERVATION_LOST: {
    en: "This request was accepted but lost before it was decided (the queue lost its data): nothing was reserved. Send it again; with its Idempotency-Key, if it had one.",
    "zh-TW":
      "此請求已受理,但在決定前遺失(佇列資料遺失),未保留任何名額。請重新送出;原本有 Idempotency-Key 的請使用同一個。",
  },
  IDEMPOTENCY_KEY_REUSED: {
    en: "This Idempotency-Key was already used with a different request.",
    "zh-TW": "此 Idempotency-Key 已用於不同的請求。",
  },
  TRACKING_RULE_LIMIT_REACHED: {
    en: "This store has as many tracking rules as it may have: delete one, or tie codes or campaigns to partners directly.",
    "zh-TW": "此商店的追蹤規則已達上限,請先刪除規則,或直接將優惠碼或活動綁定合作夥伴。",
  },
  CODE_SPACE_TOO_SMALL: {
    en: "Too many codes for this length: they would be easy to guess. Use longer codes.",
    "zh-TW": "代碼長度不足以產生這麼多組代碼,容易被猜中,請加長代碼。",
  },
  PAYLOAD_TOO_LARGE: { en: "The request body is too large.", "zh-TW": "請求內容過大。" },
  UNSUPPORTED_MEDIA_TYPE: { en: "Unsupported content type.", "zh-TW": "不支援的內容類型。" },
  RATE_LIMITED: { en: "Too many attempts. Try again later.", "zh-TW": "嘗試次數過多,請稍後再試。" },
  SERVICE_UNAVAILABLE: {
    en: "The service is temporarily unavailable. Try again.",
    "zh-TW": "服務暫時無法使用,請稍後再試。",
  },
  INTERNAL_ERROR: { en: "Something went wrong on our side.", "zh-TW": "系統發生錯誤。" },
};

/**
 * Who reads an error's message: a checkout (and its shopper), or the merchant managing campaigns and
 * codes. Most messages fit both; a few codes are worded for the merchant where the checkout wording
 * (SPEC §5: CODE_CONFLICT says to clear the code and check out) would make no sense.
 */
export type ErrorAudience = "checkout" | "merchant";

export const MERCHANT_MESSAGES: Partial<Record<ErrorCode, Record<Locale, string>>> = {
  // Adding a code the campaign already has, or one another live campaign with overlapping dates has
  // (details.sameCampaign tells which): the details name the campaign.
  CODE_CONFLICT: {
    en: "This code is already in this campaign, or in another that is not archived and whose dates overlap; the details name the campaign.",
    "zh-TW": "此優惠碼已在此活動中,或已用於另一個期間重疊且未封存的活動;details 列出該活動。",
  },
};

export function describeError(code: ErrorCode, locale: Locale, audience: ErrorAudience = "checkout"): string {
  return (
    (audience === "merchant" ? MERCHANT_MESSAGES[code]?.[locale] : undefined) ?? ERROR_MESSAGES[code][locale]
  );
}

const TRADITIONAL_CHINESE = /^zh(-(tw|hant|hk|mo)(-.*)?)?$/i;

/**
 * The response language from an Accept-Language header: the highest-weighted supported language
 * wins (any zh-TW / zh-Hant / zh-HK / plain zh means zh-TW), else English.
 */
export function resolveLocale(header: string | undefined): Locale {
  if (!header) return "en";
  const ranked = header
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((param) => param.trim()).find((param) => param.startsWith("q="));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { tag: tag.trim(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((entry) => entry.tag && entry.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { tag } of ranked) {
    if (TRADITIONAL_CHINESE.test(tag)) return "zh-TW";
    if (/^en(-.*)?$/i.test(tag) || tag === "*") return "en";
  }
  return "en";
}

// A push-pin icon for pinned columns (an SVG: emoji fonts are not everywhere).
export default function PinIcon({ filled = true, size = 12 }: { filled?: boolean; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" className="pin-icon">
      <path
        d="M9 3h6l-1 6 4 4H6l4-4-1-6z M12 13v8"
        fill={filled ? "currentColor" : "none"}
        stroke="currentColor"
        strokeWidth="2"
        strokeLinejoin="round"
      />
    </svg>
  );
}

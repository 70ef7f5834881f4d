// The body map (issue 10 item 7): one kb map (GET /charting/maps) drawn as SVG in its own
// coordinates (viewBox "0 0 width height", so it scales to any width and a point is the
// same on a phone and a laptop), its zones as polygons with their labels, the charted points
// numbered. A click or tap places a point: the screen position is turned into the map's
// coordinates through the SVG's getScreenCTM().inverse(); the zone it falls in is found
// here only to name it (the server checks the point against the zone again). Keyboard and
// screen-reader users add a point by choosing a zone (the point goes inside it).
import { useRef, useState } from 'preact/hooks';
import { html, useId } from '../ui.js';
import { centreOf, inside, zoneAt } from '../chart.js';

/** A point inside the zone's polygon: its centre when inside, else the first grid point that is. */
export function pointIn(zone) {
  const poly = zone.polygon;
  const [cx, cy] = centreOf(poly);
  if (inside(poly, cx, cy)) return [cx, cy];
  const xs = poly.map((p) => p[0]);
  const ys = poly.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
    const x = x0 + ((x1 - x0) * i) / 20;
    const y = y0 + ((y1 - y0) * j) / 20;
    if (inside(poly, x, y)) return [x, y];
  }
  return [cx, cy];
}

const round1 = (v) => Math.round(v * 10) / 10;

/**
 * map: a normalised kb map; points: [{x, y, n, selected, error}] on this map; onPlace(x, y,
 * zone) for a new point (zone null outside every zone: not placed, said under the map);
 * onSelect(n) when a point is chosen; readOnly draws without placing.
 */
export function BodyMap({ map, points = [], onPlace, onSelect, readOnly }) {
  const ref = useRef(null);
  const [miss, setMiss] = useState(null);
  const [zonePick, setZonePick] = useState('');
  const pickId = useId('zone-pick');
  const r = Math.max(map.width, map.height) / 50;
  const font = Math.max(map.width, map.height) / 34;
  const place = (x, y) => {
    const z = zoneAt(map, x, y);
    if (!z) {
      setMiss('That point is outside every zone of this map: place it inside a zone.');
      return;
    }
    setMiss(null);
    onPlace(round1(x), round1(y), z);
  };
  const onClick = (e) => {
    if (readOnly || !onPlace) return;
    const svg = ref.current;
    const ctm = svg && svg.getScreenCTM();
    if (!ctm) return;
    const pt = svg.createSVGPoint();
    pt.x = e.clientX;
    pt.y = e.clientY;
    const p = pt.matrixTransform(ctm.inverse());
    place(p.x, p.y);
  };
  const addInZone = () => {
    const z = map.zones.find((x) => x.code === zonePick);
    if (!z) return;
    const [x, y] = pointIn(z);
    setMiss(null);
    onPlace(round1(x), round1(y), z);
  };
  return html`<figure class="body-map" data-map=${map.id}>
    <svg ref=${ref} viewBox=${`0 0 ${map.width} ${map.height}`} class=${`map-svg${readOnly ? ' is-readonly' : ''}`} preserveAspectRatio="xMidYMid meet"
      role="group" aria-label=${`${map.label}${readOnly ? '' : ': click or tap inside a zone to place a point'}`} onClick=${onClick} data-width=${map.width} data-height=${map.height}>
      <rect class="map-bg" x="0" y="0" width=${map.width} height=${map.height} />
      ${map.outline && (map.outline.path ? html`<path class="map-outline" d=${map.outline.path} />` : html`<polygon class="map-outline" points=${map.outline.polygon.map((p) => p.join(',')).join(' ')} />`)}
      ${map.zones.map((z) => html`<polygon key=${z.code} class="map-zone" data-zone=${z.code} points=${z.polygon.map((p) => p.join(',')).join(' ')}><title>${z.label}</title></polygon>`)}
      ${map.zones.map((z) => {
        if (z.polygon.length < 3) return null;
        const [x, y] = pointIn(z);
        return html`<text key=${'l' + z.code} class="map-label" x=${x} y=${y} font-size=${font} text-anchor="middle" dominant-baseline="middle" aria-hidden="true">${z.label}</text>`;
      })}
      ${points.map((p) => html`<g key=${'p' + p.n} class=${`map-point${p.selected ? ' is-selected' : ''}${p.error ? ' has-error' : ''}`} data-point=${p.n}
          onClick=${(e) => { e.stopPropagation(); onSelect && onSelect(p.n); }}>
        <circle cx=${p.x} cy=${p.y} r=${r} />
        <text x=${p.x} y=${p.y} font-size=${r * 1.2} text-anchor="middle" dominant-baseline="central">${p.n}</text>
      </g>`)}
    </svg>
    ${miss && html`<p class="field-error map-miss" role="alert">${miss}</p>`}
    ${!readOnly && onPlace && html`<div class="map-zone-pick">
      <label for=${pickId}>Or add a point in a zone</label>
      <div class="map-zone-row">
        <select id=${pickId} value=${zonePick} onChange=${(e) => setZonePick(e.currentTarget.value)}>
          <option value="">Choose a zone…</option>
          ${map.zones.map((z) => html`<option value=${z.code}>${z.label}</option>`)}
        </select>
        <button type="button" class="btn" disabled=${!zonePick} onClick=${addInZone}>Add point</button>
      </div>
    </div>`}
  </figure>`;
}

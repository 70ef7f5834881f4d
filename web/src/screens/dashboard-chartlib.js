// Chart.js with only what Mesodesk draws registered (bars, lines, bars with error bars, the
// category and linear scales, tooltips, the legend): imported on demand by dashboard-chart.js,
// so the library is a chunk of its own that only the screens with charts load.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { BarWithErrorBar, BarWithErrorBarsController } from 'chartjs-chart-error-bars';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend, BarWithErrorBarsController, BarWithErrorBar);

export { Chart };

import { createRoot } from 'react-dom/client';
import { Embed } from './components/Embed.tsx';
import './styles.css';

createRoot(document.getElementById('root')!).render(<Embed />);
